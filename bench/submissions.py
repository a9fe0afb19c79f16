"""Response submissions per second and p95/p99 latency against a real `engage serve` (uvicorn),
each as a ratio of a bare Starlette app (one POST route that parses a form) measured in the same run
with the same client. Prints figures; asserts nothing; not part of the test suite.

    .venv/bin/python bench/submissions.py [--postgres postgresql+psycopg://...] [--seconds 10] [--repeat N]

Each line also gives the server process's CPU time per request (from /proc), which other load on
the machine does not change, and the bare/Engage ratio of it.

Each request is the last step of the response journey ("Accept and send"): a new idempotency key,
the CSRF token, all three answers. The app's throttles are opened (ENGAGE_MIN_FILL_SECONDS=0,
ENGAGE_PUBLIC_RATE_LIMIT=1000000/second; harmless where not implemented).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[1]

BARE_APP = textwrap.dedent(
    """
    from starlette.applications import Starlette
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    async def submit(request):
        form = await request.form()
        assert form.get("idempotency_key")
        return RedirectResponse("/received", status_code=303)

    app = Starlette(routes=[Route("/submit", submit, methods=["POST"])])
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("server did not start") from None
            time.sleep(0.2)


def prepare_database(url: str) -> str:
    """Migrate and add one open consultation; returns its slug."""
    env = {**os.environ, "ENGAGE_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "engage.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True)
    code = textwrap.dedent(
        f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from engage.db import make_engine, make_sessionmaker
        from tests.factories import make_consultation
        sessions = make_sessionmaker(make_engine({url!r}))
        with sessions() as db:
            print(make_consultation(db, status="open").slug)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


async def form_fields(client: httpx.AsyncClient, base: str, slug: str) -> dict[str, str]:
    page = (await client.get(f"{base}/consultations/{slug}/respond")).text
    token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    data = {"csrftoken": token, "audience": "resident", "action": "submit"}
    for tag in re.findall(r"<(?:input|textarea)[^>]*>", page):
        name = re.search(r'name="(q\d+)"', tag)
        if not name or name.group(1) in data:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if tag.startswith("<textarea"):
            data[name.group(1)] = "The street should honour someone the community is proud of. " * 3
        elif value:
            data[name.group(1)] = value.group(1)
    return data


async def load(url: str, make_data, clients: int, seconds: float) -> tuple[float, list[float], int]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def one(client: httpx.AsyncClient, data: dict[str, str]) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            body = {**data, "idempotency_key": uuid.uuid4().hex}
            t = time.perf_counter()
            r = await client.post(url, data=body)
            latencies.append(time.perf_counter() - t)
            if r.status_code != 303:
                errors += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        data = await make_data(client)
        started = time.monotonic()
        await asyncio.gather(*(one(client, data) for _ in range(clients)))
        elapsed = time.monotonic() - started
    return len(latencies) / elapsed, latencies, errors


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): the server's own cost, which other
    load on the machine (the client included) does not change."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, make_data, clients: int, seconds: float, pid: int) -> tuple[float, list[float], int, float]:  # type: ignore[no-untyped-def]
    """load() plus the server's CPU milliseconds per request."""
    before = cpu_seconds(pid)
    rate, latencies, errors = asyncio.run(load(url, make_data, clients, seconds))
    return rate, latencies, errors, 1000 * (cpu_seconds(pid) - before) / max(1, len(latencies))


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] * 1000 if len(values) > 1 else float("nan")


def serve(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port, proc)
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="also measure on this PostgreSQL URL (its data is replaced)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", default="20,100")
    parser.add_argument("--repeat", type=int, default=1, help="measure each pair this many times (noisy machines)")
    args = parser.parse_args()
    client_counts = [int(n) for n in args.clients.split(",")]

    tmp = Path(tempfile.mkdtemp())
    (tmp / "bare_app.py").write_text(BARE_APP)
    bare_port = free_port()
    bare = serve(
        [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(bare_port), "--log-level", "warning"],
        {**os.environ, "PYTHONPATH": str(tmp)},
        bare_port,
    )
    databases = [("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
    if args.postgres:
        databases.append(("PostgreSQL", args.postgres))
    try:
        bare_url = f"http://127.0.0.1:{bare_port}/submit"

        async def bare_data(client):  # type: ignore[no-untyped-def]
            return {"csrftoken": "x", "audience": "resident", "q1": "Agree", "q2": "Because " * 25, "q3": "Workshops"}

        for label, url in databases:
            if label == "PostgreSQL":
                import sqlalchemy

                engine = sqlalchemy.create_engine(url)
                with engine.begin() as conn:
                    conn.execute(sqlalchemy.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                engine.dispose()
            slug = prepare_database(url)
            port = free_port()
            env = {
                **os.environ,
                "ENGAGE_DATABASE_URL": url,
                "ENGAGE_SECRET_KEY": "bench-secret",
                "ENGAGE_RUN_WORKER": "false",
                "ENGAGE_MIN_FILL_SECONDS": "0",
                "ENGAGE_PUBLIC_RATE_LIMIT": "1000000/second",
            }
            app = serve([sys.executable, "-m", "engage.cli", "serve", "--port", str(port)], env, port)
            base = f"http://127.0.0.1:{port}"
            try:

                async def engage_data(client, base=base, slug=slug):  # type: ignore[no-untyped-def]
                    return await form_fields(client, base, slug)

                for n in [n for _ in range(args.repeat) for n in client_counts]:
                    b_rate, b_lat, b_err, b_cpu = measure(bare_url, bare_data, n, args.seconds, bare.pid)
                    e_rate, e_lat, e_err, e_cpu = measure(
                        f"{base}/consultations/{slug}/respond", engage_data, n, args.seconds, app.pid
                    )
                    print(
                        f"{label:10} {n:3} clients: engage {e_rate:7.1f}/s p95 {pct(e_lat, 95):6.1f} ms "
                        f"p99 {pct(e_lat, 99):6.1f} ms cpu {e_cpu:.2f} ms/req (errors {e_err}) | "
                        f"bare Starlette {b_rate:7.1f}/s p95 {pct(b_lat, 95):6.1f} ms p99 {pct(b_lat, 99):6.1f} ms "
                        f"cpu {b_cpu:.2f} ms/req (errors {b_err}) | ratio {e_rate / b_rate:.2f} "
                        f"(server CPU per request: {b_cpu / e_cpu:.2f})",
                        flush=True,
                    )
            finally:
                app.terminate()
                app.wait(timeout=15)
    finally:
        bare.terminate()
        bare.wait(timeout=15)


if __name__ == "__main__":
    main()
