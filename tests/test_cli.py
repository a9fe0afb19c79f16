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


def test_retention_dry_run_then_delete(run, db, monkeypatch):
    import datetime as dt

    from engage.models import AuditEvent, EqualityAnswers, ResponseContact

    c = make_consultation(db, status="closed", closes_on=dt.date.today() - dt.timedelta(days=40), slug="old-one")
    r = make_response(db, c, {c.questions[1].id: "More youth clubs please"})
    db.add(EqualityAnswers(response_id=r.id, age_band="25 to 34"))
    db.add(ResponseContact(response_id=r.id, email="resident@example.org"))
    db.commit()
    monkeypatch.setenv("ENGAGE_RETENTION_DAYS", "30")

    result = run("retention", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would delete 1 contact details and 1 equality answers: old-one" in result.output
    assert "resident@example.org" not in result.output
    assert db.scalar(select(ResponseContact.id)) is not None
    db.rollback()

    result = run("retention")
    assert "Deleted 1 contact details and 1 equality answers in 1 consultations" in result.output
    assert db.scalar(select(ResponseContact.id)) is None and db.scalar(select(EqualityAnswers.id)) is None
    assert "retention.run" in db.scalars(select(AuditEvent.action)).all()
    db.rollback()

    result = run("retention")  # nothing more to do
    assert "Deleted 0 contact details and 0 equality answers in 0 consultations" in result.output

    monkeypatch.setenv("ENGAGE_RETENTION_DAYS", "365")
    assert "in 0 consultations" in run("retention", "--dry-run").output


def test_retention_refuses_a_negative_period(run, monkeypatch):
    monkeypatch.setenv("ENGAGE_RETENTION_DAYS", "-1")
    result = run("retention")
    assert result.exit_code != 0 and "cannot be negative" in result.output


def test_reset_totp(run, db):
    import pyotp

    from engage.services import totp
    from tests.factories import make_staff

    user = make_staff(db)
    assert "was not on" in run("reset-totp", user.email).output
    key = "test-secret-key-not-for-production"
    setup = totp.pending_setup(db, user.id, key, start=True)
    totp.confirm_setup(db, user.id, key, pyotp.TOTP(setup.secret).now())
    db.rollback()
    assert "turned off" in run("reset-totp", user.email).output
    assert not totp.is_enabled(db, user.id)
    db.rollback()
    result = run("reset-totp", "nobody@example.org")
    assert result.exit_code != 0 and "No staff account" in result.output


def test_retention_days_setting():
    from engage.settings import Settings

    assert Settings.from_env({"ENGAGE_SECRET_KEY": "x"}).retention_days == 365
    assert Settings.from_env({"ENGAGE_SECRET_KEY": "x", "ENGAGE_RETENTION_DAYS": "90"}).retention_days == 90


# ---- Every command fails clearly ------------------------------------------------------------

DATABASE_COMMANDS = [
    ["list"],
    ["demo"],
    ["theme", "anything"],
    ["export", "anything"],
    ["retention", "--dry-run"],
    ["reset-totp", "someone@example.org"],
    ["create-user", "someone@example.org", "--role", "officer"],
    ["serve"],
    ["worker"],
]


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=lambda c: c[0])
def test_a_database_never_migrated_names_the_command_to_run(command, tmp_path, monkeypatch):
    monkeypatch.setenv("ENGAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'never-migrated.db'}")
    monkeypatch.setenv("ENGAGE_SECRET_KEY", "x" * 32)
    result = CliRunner().invoke(main, command, input="a long enough password\n")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [lines[0]] and "has not been set up" in lines[0] and "`engage db upgrade`" in lines[0]
    assert "Traceback" not in result.output


def test_a_database_behind_this_version_says_so(tmp_path, monkeypatch):
    from alembic import command as alembic

    from engage.cli import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    alembic.upgrade(alembic_config(url), "0001")
    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 1
    assert "is at schema revision 0001" in result.output and "`engage db upgrade`" in result.output


def test_an_unreachable_database_is_one_line_without_its_password(monkeypatch):
    monkeypatch.setenv("ENGAGE_DATABASE_URL", "postgresql+psycopg://engage:s3cret@127.0.0.1:9/engage")
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot reach the database at postgresql+psycopg://engage:***@127.0.0.1:9")
    assert "s3cret" not in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["no-such-command"],
        ["list", "--bogus"],
        ["theme"],
        ["create-user", "a@b.org", "--role", "mayor"],
        ["theme-file", "/no/such/file.csv", "--text-column", "x", "--out", "y.csv"],
        ["export", "slug", "--format", "pdf"],
        ["db", "upgrade", "one", "two"],
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "--help" in lines[0], result.output
