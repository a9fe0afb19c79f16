"""Benchmark: the theme board and the comment list at 100,000 responses, on SQLite and PostgreSQL.

    python bench/review_board.py [--responses 100000] [--requests 30] [--postgres URL]

Builds a fresh database (SQLite in a temporary folder; PostgreSQL in a scratch database created
next to the one named by --postgres or $ENGAGE_BENCH_POSTGRES_URL, dropped afterwards), loads one
consultation with N responses, themes and assignments, then times requests through the ASGI app
in-process (no network). Prints median and p95 per page, and each as a ratio to a trivial page
(/accessibility) measured in the same run, so numbers from different machines can be compared.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from engage.app import create_app
from engage.cli import alembic_config
from engage.db import make_engine
from engage.models import (
    Answer,
    Consultation,
    Question,
    Response,
    Role,
    StaffUser,
    Theme,
    ThemeAssignment,
)
from engage.security import hash_password
from engage.settings import Settings

PASSWORD = "benchmark-password-123"
_VOCABULARY = (
    "road street estate name names renaming rename history slavery slave trader enslaved plaque plaques "
    "school schools children young people cost money signs business address council respect heritage "
    "community local hero heroes Windrush Olive Morris Claudia Jones Black residents borough park library "
    "safety lighting buses housing repairs rent youth club voice listen consultation honour"
)
WORDS = _VOCABULARY.split()
THEMES = [
    "Rename streets linked to slavery",
    "Cost of renaming",
    "Celebrate local heroes",
    "Explain with plaques",
    "Teach the history in schools",
    "Involve young people",
    "Housing and repairs",
    "Park safety",
]
STANCES = ["support", "oppose", "mixed", "neutral"]


def build(url: str, n: int) -> tuple[int, int, int]:
    from alembic import command

    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    rng = random.Random(42)
    with engine.begin() as conn:
        conn.execute(
            insert(StaffUser),
            [
                {
                    "email": "bench@northbridge.example",
                    "display_name": "Bench",
                    "role": Role.OFFICER,
                    "password_hash": hash_password(PASSWORD),
                    "is_active": True,
                }
            ],
        )
        cid = conn.execute(
            insert(Consultation).returning(Consultation.id),
            [{"slug": "bench", "title": "Benchmark consultation", "audiences": ["resident"], "status": "closed"}],
        ).scalar_one()
        qid = conn.execute(
            insert(Question).returning(Question.id),
            [{"consultation_id": cid, "position": 1, "kind": "free_text", "text": "Why?", "options": []}],
        ).scalar_one()
        theme_ids = [
            conn.execute(
                insert(Theme).returning(Theme.id),
                [
                    {
                        "question_id": qid,
                        "key": f"t{i}",
                        "name": name,
                        "origin": "model",
                        "keyphrases": WORDS[i : i + 4],
                        "quotes": [f"A quote about {name.lower()}"],
                        "examples": [],
                        "position": i,
                    }
                ],
            ).scalar_one()
            for i, name in enumerate(THEMES)
        ]
        batch = 5000
        for start in range(0, n, batch):
            size = min(batch, n - start)
            rows = [
                {
                    "consultation_id": cid,
                    "reference": f"B{start + i:07d}",
                    "channel": rng.choice(["online", "paper", "workshop", "email"]),
                    "audience": rng.choice(["resident", "parent", "young_person", "other"]),
                }
                for i in range(size)
            ]
            response_ids = (
                conn.execute(insert(Response).returning(Response.id, sort_by_parameter_order=True), rows)
                .scalars()
                .all()
            )
            answers = []
            for rid in response_ids:
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
                flags = [{"kind": "abuse", "reason": "x"}] if rng.random() < 0.01 else []
                answers.append(
                    {
                        "response_id": rid,
                        "question_id": qid,
                        "text": words,
                        "redacted": words,
                        "stance": rng.choice(STANCES),
                        "flags": flags,
                        "redactions": [],
                    }
                )
            answer_ids = (
                conn.execute(insert(Answer).returning(Answer.id, sort_by_parameter_order=True), answers).scalars().all()
            )
            assignments = []
            for aid in answer_ids:
                for tid in rng.sample(theme_ids, rng.choice([1, 1, 1, 2])):
                    assignments.append(
                        {"theme_id": tid, "answer_id": aid, "confidence": rng.random(), "source": "model"}
                    )
            conn.execute(insert(ThemeAssignment), assignments)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return cid, qid, theme_ids[0]


def login(client: TestClient) -> None:
    token = re.search(r'name="csrftoken" value="([^"]+)"', client.get("/staff/login").text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/staff/login", data={"email": "bench@northbridge.example", "password": PASSWORD, "csrftoken": token}
    )
    assert r.status_code == 200 and "Consultations" in r.text, r.text[:300]


def timed(client: TestClient, url: str, requests: int, headers: dict[str, str] | None = None) -> list[float]:
    client.get(url, headers=headers)  # warm up
    out = []
    for _ in range(requests):
        start = time.perf_counter()
        r = client.get(url, headers=headers)
        out.append(time.perf_counter() - start)
        assert r.status_code == 200, (url, r.status_code)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def run(label: str, url: str, n: int, requests: int) -> None:
    t0 = time.perf_counter()
    _cid, qid, tid = build(url, n)
    print(f"\n== {label}: {n:,} responses loaded in {time.perf_counter() - t0:.1f}s")
    settings = Settings(database_url=url, secret_key="bench", spacy_model="none", https_only=False, run_worker=False)
    with TestClient(create_app(settings)) as client:
        login(client)
        first_page = client.get(f"/staff/questions/{qid}/comments").text
        cursor = re.search(r"after=(\d+)", first_page)
        base = f"/staff/questions/{qid}/comments"
        after = cursor.group(1) if cursor else ""
        pages = {
            "trivial page (/accessibility)": "/accessibility",
            "theme board (full page)": f"/staff/questions/{qid}/board",
            "comment list (htmx fragment)": base,
            "comment list, next page (keyset)": f"{base}?after={after}",
            "comment list, theme + stance + channel": f"{base}?theme={tid}&stance=oppose&channel=paper",
            "comment list, full-text search": f"{base}?q=plaques+history",
        }
        results = {}
        for name, page in pages.items():
            hx = {"HX-Request": "true"} if "fragment" in name or "comment list," in name else None
            results[name] = timed(client, page, requests, hx)
    base = statistics.median(results["trivial page (/accessibility)"])
    print(f"{'page':42} {'median ms':>10} {'p95 ms':>10} {'x trivial':>10}")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"{name:42} {med * 1000:10.1f} {p95(values) * 1000:10.1f} {med / base:10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", default=os.environ.get("ENGAGE_BENCH_POSTGRES_URL", ""))
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{tmp}/bench.db", args.responses, args.requests)
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"engage_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(
                "PostgreSQL",
                make_url(args.postgres).set(database=name).render_as_string(hide_password=False),
                args.responses,
                args.requests,
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
