"""Time an import of N transcribed rows (default 100,000): upload, check, import, and importing again.

    python bench/import_rows.py [--rows N] [--database-url URL] [--xlsx]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--xlsx", action="store_true")
    args = parser.parse_args()

    from alembic import command
    from sqlalchemy import text

    from engage.cli import alembic_config
    from engage.db import make_engine, make_sessionmaker
    from engage.models import Channel, ImportJob, StaffUser
    from engage.services import imports
    from tests.conftest import reset_schema
    from tests.factories import csv_bytes, make_consultation, xlsx_bytes

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = make_engine(url)
    reset_schema(engine)
    command.upgrade(alembic_config(url), "head")
    sessions = make_sessionmaker(engine)
    rows = [["Agree?", "Why", "How"]] + [
        ["Agree", f"Comment {i}: the street should honour someone the community is proud of", "Schools; Workshops"]
        for i in range(args.rows)
    ]
    content = xlsx_bytes(rows) if args.xlsx else csv_bytes(rows)
    with sessions() as db:
        db.add(StaffUser(email="bench@example.com", display_name="Bench", password_hash="x", role="officer"))
        db.commit()
        c = make_consultation(db)
        questions = {q.id: col for q, col in zip(c.questions, ["Agree?", "Why", "How"], strict=True)}
        officer_id = db.execute(text("select id from staff_users")).scalar()

    def run(job_id: int) -> float:
        start = time.perf_counter()
        with sessions() as db:
            imports.claim_next(db, "bench")
        imports.run_job(sessions, job_id)
        return time.perf_counter() - start

    for attempt in ("first", "again"):
        start = time.perf_counter()
        with sessions() as db:
            job = imports.upload(
                db, officer_id, c.id, filename="f.xlsx" if args.xlsx else "f.csv", content=content,
                channel=Channel.PAPER, audience="resident", held_on=dt.date(2027, 1, 1), place="", facilitator="",
            )
            imports.save_mapping(db, officer_id, job.id, questions)
        upload = time.perf_counter() - start
        check = run(job.id)
        with sessions() as db:
            imports.confirm(db, officer_id, job.id)
        stored = run(job.id)
        with sessions() as db:
            done = db.get(ImportJob, job.id)
            print(
                f"{attempt}: {args.rows:,} rows ({len(content) / 1e6:.1f} MB {'xlsx' if args.xlsx else 'csv'}, "
                f"{engine.dialect.name}): upload+header {upload:.1f}s, check {check:.1f}s, import {stored:.1f}s; "
                f"created {done.created_count:,}, skipped {done.skipped_count:,}"
            )
    engine.dispose()


if __name__ == "__main__":
    main()
