"""Engine and session factory. SQLite gets WAL, a busy timeout, full fsync and one writer at a time."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take control so that a
        # write transaction takes the write lock at its start (no upgrade deadlocks).
        writer = _WriteLock()
        event.listen(engine, "begin", writer.begin)
        event.listen(engine.pool, "checkin", writer.checkin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    # FULL: a response is on disk before the resident is told it was received.
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


WRITE_LOCK_TIMEOUT = 30  # seconds, as SQLite's busy_timeout


class _WriteLock:
    """SQLite allows one writer at a time. Threads of this process queue for it on a Python lock
    rather than in SQLite's busy handler, which polls with sleeps of up to 100 ms: with 20
    concurrent submissions the sleeping, not the writing, was the limit (bench/submissions.py).
    Other processes on the same file still wait in the busy handler (busy_timeout)."""

    KEY = "engage_write_lock"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def begin(self, conn: Any) -> None:
        # Read-only work (GET requests) begins DEFERRED and never waits for writers: WAL readers see
        # a snapshot. Everything else begins IMMEDIATE and so holds the write lock from its start.
        if conn.get_execution_options().get("engage_begin", "IMMEDIATE") == "DEFERRED":
            conn.exec_driver_sql("BEGIN DEFERRED")
            return
        if not conn.info.get(self.KEY):  # a connection keeps the lock until it goes back to the pool
            if not self._lock.acquire(timeout=WRITE_LOCK_TIMEOUT):
                raise OperationalError("BEGIN IMMEDIATE", None, TimeoutError("database is locked"))
            conn.info[self.KEY] = True
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    def checkin(self, dbapi_conn: Any, record: Any) -> None:
        # Released only when the connection is back in the pool: SQLAlchemy's "commit" event fires
        # before the COMMIT runs, and the next writer must not start while it is still running.
        # A session's commit or rollback returns its connection, so the lock is held for one
        # transaction; the pool rolls back anything left open before this runs.
        if record is not None and record.info.pop(self.KEY, False):
            self._lock.release()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for work that only reads (on PostgreSQL the same as any other session)."""
    return sessionmaker(engine.execution_options(engage_begin="DEFERRED"), expire_on_commit=False)
