from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engage.cli import main
from engage.models import StaffUser
from engage.services import theming
from tests.factories import make_consultation, make_response


@pytest.fixture
def run(settings, sessions, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ENGAGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ENGAGE_SECRET_KEY", settings.secret_key)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


def test_list(run, db):
    c = make_consultation(db, status="open", slug="youth-forum")
    make_response(db, c, {c.questions[1].id: "More youth clubs please"})
    result = run("list")
    assert result.exit_code == 0
    assert "youth-forum\topen\t1" in result.output.splitlines()


def test_create_user_reads_password_from_stdin(run, sessions):
    result = run("create-user", "Officer@Northbridge.example", "--role", "officer", input="a long enough password\n")
    assert result.exit_code == 0, result.output
    with sessions() as s:
        user = s.scalars(select(StaffUser)).one()
        assert user.email == "officer@northbridge.example" and user.role == "officer"
        assert user.password_hash.startswith("$argon2")


def test_create_user_rejects_short_password_and_bad_role(run):
    assert run("create-user", "a@b.org", "--role", "officer", input="short\n").exit_code == 1
    assert run("create-user", "a@b.org", "--role", "mayor", input="long enough password\n").exit_code == 2


def test_unknown_slug_is_a_clear_error(run):
    for command in (["theme", "nope"], ["export", "nope"]):
        result = run(*command)
        assert result.exit_code == 1 and "No consultation with the slug 'nope'" in result.output


def test_theme_then_export_json_and_csv(run, db, sessions, nlp):
    c = make_consultation(db, status="closed", slug="naming")
    why = c.questions[1]
    for i, text in enumerate(
        [
            "Rename it. Email me at j.smith@example.com",
            '=HYPERLINK("http://evil.example") rename the road',
            "Keep the old names, changing them costs too much",
            "Please honour Windrush pioneers",
        ]
    ):
        make_response(
            db,
            c,
            {c.questions[0].id: "Agree", why.id: text, c.questions[2].id: ["Workshops"]},
            channel="paper" if i else "online",
        )
    result = run("theme", "naming")
    assert result.exit_code == 0, result.output
    with sessions() as s:
        assert theming.latest_job(s, c.id).status == "done"

    data = json.loads(run("export", "naming", "--format", "json").output)
    assert len(data["responses"]) == 4
    first = data["responses"][0]
    assert {"reference", "channel", "audience", "answers", "themes"} <= set(first)
    texts = [a["answer"] for r in data["responses"] for a in r["answers"] if a["kind"] == "free_text"]
    assert not any("j.smith@example.com" in t for t in texts)
    assert any("[EMAIL]" in t for t in texts)
    assert all(r["themes"] for r in data["responses"])

    rows = list(csv.reader(io.StringIO(run("export", "naming", "--format", "csv").output)))
    assert rows[0][:4] == ["reference", "channel", "audience", "submitted_at"]
    assert len(rows) == 5
    assert not any(cell.startswith("=") for row in rows[1:] for cell in row)  # no formula injection


def test_export_redacts_answers_that_were_never_themed(run, db, nlp):
    c = make_consultation(db, status="open", slug="fresh")
    make_response(db, c, {c.questions[1].id: "Call me on 07700 900123 about this"})
    data = json.loads(run("export", "fresh").output)
    text = next(a["answer"] for a in data["responses"][0]["answers"] if a["kind"] == "free_text")
    assert "07700 900123" not in text and "[PHONE]" in text
