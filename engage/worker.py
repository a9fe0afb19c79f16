"""The theming worker: claims queued jobs and runs them, outside any web request."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engage.services import imports, theming

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, sessions: sessionmaker[Session], nlp: Callable[[], Any], poll_seconds: float = 1.0) -> None:
        self.sessions = sessions
        self.nlp = nlp  # a loader, so a web process that never themes never pays for the model
        self.poll_seconds = poll_seconds
        self.name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.wake = threading.Event()

    def run_once(self) -> bool:
        """Run one queued job if there is one (imports first: an officer is waiting); True if a job ran."""
        with self.sessions() as db:
            import_id = imports.claim_next(db, self.name)
        if import_id is not None:
            log.info("worker %s running import job %s", self.name, import_id)
            imports.run_job(self.sessions, import_id)
            return True
        with self.sessions() as db:
            job_id = theming.claim_next(db, self.name)
        if job_id is None:
            return False
        log.info("worker %s running theming job %s", self.name, job_id)
        theming.run_job(self.sessions, job_id, self.nlp())
        return True

    def run_forever(self, stop: threading.Event) -> None:
        with self.sessions() as db:
            theming.requeue_stale(db)
            imports.requeue_stale(db)
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the database may be briefly unavailable; keep going
                log.exception("worker %s could not claim a job", self.name)
                ran = False
            if not ran:
                self.wake.wait(self.poll_seconds)
                self.wake.clear()


def start_in_thread(worker: Worker) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name="engage-worker", daemon=True)
    thread.start()
    return thread, stop
