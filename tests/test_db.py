"""engage.db: SQLite's one writer at a time, queued in Python instead of in SQLite's busy handler."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from engage.db import make_engine, make_read_sessionmaker, make_sessionmaker


def _write_lock(engine):  # type: ignore[no-untyped-def]
    (listener,) = [fn for fn in engine.pool.dispatch.checkin if hasattr(fn, "__self__")]
    return listener.__self__._lock


@pytest.fixture
def sqlite_engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def test_lock_is_released_after_commit_rollback_error_and_commit_as_you_go(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    lock = _write_lock(sqlite_engine)
    sessions = make_sessionmaker(sqlite_engine)
    with sessions() as db:
        db.execute(text("INSERT INTO t VALUES (1)"))
        assert lock.locked()
        db.commit()
        assert not lock.locked()
        db.execute(text("INSERT INTO t VALUES (2)"))
        db.rollback()
    assert not lock.locked()
    with pytest.raises(ZeroDivisionError), sessions() as db:
        db.execute(text("INSERT INTO t VALUES (3)"))
        raise ZeroDivisionError
    assert not lock.locked()
    with sqlite_engine.connect() as conn:  # the same connection begins twice: no deadlock
        conn.execute(text("INSERT INTO t VALUES (4)"))
        conn.commit()
        conn.execute(text("INSERT INTO t VALUES (5)"))
        conn.commit()
    assert not lock.locked()
    with sessions() as db:
        assert db.scalar(text("SELECT group_concat(n) FROM t")) == "1,4,5"


def test_readers_do_not_take_the_write_lock(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    lock = _write_lock(sqlite_engine)
    with make_sessionmaker(sqlite_engine)() as writer, make_read_sessionmaker(sqlite_engine)() as reader:
        writer.execute(text("INSERT INTO t VALUES (1)"))
        assert lock.locked()
        assert reader.scalar(text("SELECT count(*) FROM t")) == 0  # WAL snapshot, no waiting
        writer.commit()


def test_concurrent_writers_all_commit(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    sessions = make_sessionmaker(sqlite_engine)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            for j in range(25):
                with sessions() as db:
                    db.execute(text("INSERT INTO t VALUES (:n)"), {"n": i * 100 + j})
                    db.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sessions() as db:
        assert db.scalar(text("SELECT count(DISTINCT n) FROM t")) == 500
    assert not _write_lock(sqlite_engine).locked()
