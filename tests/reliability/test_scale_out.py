"""The documented way to grow beyond one machine: several app processes and several theming
workers against one PostgreSQL database (rate limits shared through Redis)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from engage.models import JobStatus, Response, ThemingJob
from engage.services import theming
from tests.factories import make_consultation

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


@pytest.mark.slow
def test_two_app_processes_and_two_workers_share_one_postgresql(database_url, db, sessions):
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share PostgreSQL; the PostgreSQL run of the suite covers this")
    env = {
        **os.environ,
        "ENGAGE_DATABASE_URL": database_url,
        "ENGAGE_SECRET_KEY": "shared-by-every-process",
        "ENGAGE_RUN_WORKER": "false",
        "ENGAGE_MIN_FILL_SECONDS": "0",
        "ENGAGE_PUBLIC_RATE_LIMIT": "1000000/minute",
        "ENGAGE_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379",
    }
    consultations = [make_consultation(db, status="open") for _ in range(4)]
    ports = [_port(), _port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "engage.cli", "serve", "--port", str(p)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for p in ports
    ] + [
        subprocess.Popen(
            [sys.executable, "-m", "engage.cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        for p in ports:
            _wait(p)
        # One browser session moving between app processes (as behind a load balancer).
        with httpx.Client(timeout=10) as http:
            n = 0
            for c in consultations:
                agree, why, how = c.questions
                for i in range(6):
                    base = f"http://127.0.0.1:{ports[n % 2]}"
                    n += 1
                    token = TOKEN.search(http.get(f"{base}/consultations/{c.slug}/respond").text).group(1)
                    r = http.post(
                        f"{base}/consultations/{c.slug}/respond",
                        follow_redirects=True,
                        data={
                            "csrftoken": token,
                            "idempotency_key": uuid.uuid4().hex,
                            "action": "submit",
                            "audience": "resident",
                            f"q{agree.id}": "Agree",
                            f"q{why.id}": f"Safer crossings near the school, please ({i})",
                            f"q{how.id}": ["Workshops"],
                        },
                    )
                    assert "Response received" in r.text
        with sessions() as s:
            assert len(s.scalars(select(Response.id)).all()) == 24
            for c in consultations:
                theming.enqueue(s, c.id, None)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with sessions() as s:
                jobs = s.scalars(select(ThemingJob)).all()
                if all(j.status == JobStatus.DONE for j in jobs):
                    break
            time.sleep(0.5)
        with sessions() as s:
            jobs = s.scalars(select(ThemingJob)).all()
            assert [j.status for j in jobs] == [JobStatus.DONE] * 4
            assert all(j.attempts == 1 for j in jobs)  # no job was run twice
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
