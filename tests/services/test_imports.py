"""Imports of paper responses and workshop notes: reading, checking, importing once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from engage.models import Answer, Channel, EngagementSession, ImportJob, ImportStatus, Response
from engage.services import imports
from engage.services.errors import Conflict
from engage.services.imports import FileProblem
from tests.factories import csv_bytes, make_consultation, make_response, make_staff, xlsx_bytes

HEADER = ["Agree?", "Why", "How involved", "Who"]


def _rows(n: int) -> list[list[str]]:
    return [["Agree", f"Comment number {i} about the street name", "Workshops; Schools", "Resident"] for i in range(n)]


def _upload(db, c, content, filename="forms.csv", **kw):  # type: ignore[no-untyped-def]
    officer = make_staff(db)
    args = {
        "filename": filename,
        "content": content,
        "channel": Channel(kw.pop("channel", "workshop")),
        "audience": kw.pop("audience", "resident"),
        "held_on": kw.pop("held_on", dt.date(2027, 3, 14)),
        "place": kw.pop("place", "Eastside Library"),
        "facilitator": kw.pop("facilitator", "Priya"),
    }
    return officer, imports.upload(db, officer.id, c.id, **args)


def _map(db, officer, c, job, audience_column="Who"):  # type: ignore[no-untyped-def]
    agree, why, how = c.questions
    return imports.save_mapping(
        db, officer.id, job.id, {agree.id: "Agree?", why.id: "Why", how.id: "How involved"}, audience_column
    )


def _run(sessions, job_id):  # type: ignore[no-untyped-def]
    with sessions() as s:
        assert imports.claim_next(s, "test") == job_id
    imports.run_job(sessions, job_id)
    with sessions() as s:
        return s.get(ImportJob, job_id)


def _count(sessions, model=Response):  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count(model.id)))


def test_csv_checked_then_imported_once_with_channel_and_session(db, sessions):
    c = make_consultation(db)
    content = csv_bytes([HEADER, *_rows(3), ["Agree", "Same words", "", ""], ["Agree", "Same words", "", ""]])
    officer, job = _upload(db, c, content)
    assert job.columns == HEADER and job.status == ImportStatus.UPLOADED
    _map(db, officer, c, job)
    checked = _run(sessions, job.id)
    assert checked.status == ImportStatus.READY
    assert (checked.total_rows, checked.valid_rows, checked.error_count) == (5, 5, 0)
    assert checked.preview[0]["answers"][0] == ["The council should review names linked to slavery", "Agree"]
    assert _count(sessions) == 0  # nothing saved before the officer confirms

    imports.confirm(db, officer.id, job.id)
    done = _run(sessions, job.id)
    assert done.status == ImportStatus.DONE and done.created_count == 5
    with sessions() as s:
        assert s.get(ImportJob, job.id).content is None  # the file is not kept
        r = s.scalars(select(Response).where(Response.import_id == job.id)).first()
        assert r.channel == Channel.WORKSHOP
        session = s.get(EngagementSession, r.session_id)
        assert (session.held_on, session.place, session.facilitator) == (
            dt.date(2027, 3, 14),
            "Eastside Library",
            "Priya",
        )
        assert s.scalar(select(func.count(Answer.id)).where(Answer.choices.is_not(None))) == 3

    # The same file again (or a longer one): only new rows are added; identical rows in one file stay two.
    longer = csv_bytes([HEADER, *_rows(4), ["Agree", "Same words", "", ""], ["Agree", "Same words", "", ""]])
    _, again = _upload(db, c, longer)
    _map(db, officer, c, again)
    _run(sessions, again.id)
    imports.confirm(db, officer.id, again.id)
    second = _run(sessions, again.id)
    assert (second.created_count, second.skipped_count) == (1, 5)
    assert _count(sessions) == 6
    with sessions() as s:
        assert s.scalar(select(func.count(EngagementSession.id))) == 1  # the same session, named twice


def test_xlsx_import_and_formula_cells_refused(db, sessions):
    c = make_consultation(db)
    rows = [
        HEADER,
        ["agree", "Good idea", "Schools", "parent"],
        ["Agree", "=CMD()", "", ""],
        ["Agree", "@SUM(1)", "", ""],
    ]
    rows.append(["Agree", "-2+3+cmd|' /C calc'!A0", "", ""])
    rows.append(["Agree", "- more buses please (and trams)", "", ""])
    officer, job = _upload(db, c, xlsx_bytes(rows), filename="notes.xlsx")
    _map(db, officer, c, job)
    checked = _run(sessions, job.id)
    assert checked.valid_rows == 2 and checked.error_count == 3
    assert all("formula" in e["errors"][0] for e in checked.errors)
    assert [e["row"] for e in checked.errors] == [3, 4, 5]
    imports.confirm(db, officer.id, job.id)
    _run(sessions, job.id)
    with sessions() as s:
        stored = s.scalars(select(Response).order_by(Response.id)).all()
        assert [r.audience.value for r in stored] == ["parent", "resident"]
        texts = set(s.scalars(select(Answer.text)))
        assert "Agree" in texts and not any(t and t.startswith(("=", "@")) for t in texts)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        ("Why,Agree\nCafé ☕,Agree\n".encode("cp1252", errors="replace") + b"\xe9\xff", "f.csv", "not UTF-8"),
        (b"", "f.csv", "empty"),
        (b"\n\n", "f.csv", "empty"),
        (b"PK\x03\x04 not really a workbook", "f.xlsx", "not an Excel"),
        (b"a,b\n1,2\n", "f.pdf", "CSV or an Excel"),
        (b"Why,Why\nx,y\n", "f.csv", "both called"),
    ],
)
def test_unreadable_files_get_a_clear_error(db, content, filename, message):
    c = make_consultation(db)
    with pytest.raises(FileProblem, match=message):
        _upload(db, c, content, filename=filename)


def test_row_errors_missing_cells_huge_cells_and_bad_choices(db, sessions):
    c = make_consultation(db)
    rows = [
        HEADER,
        ["Agree", "Fine", "Schools", "Resident"],
        ["Agree", "Too short"],  # a missing column
        ["Agree", "x" * 20_000, "", ""],
        ["Maybe", "Bad choice", "", ""],
        ["Agree", "Bad option", "Carrier pigeon", ""],
        ["Agree", "Bad person", "", "Alien"],
        ["", "", "", "Resident"],  # nothing in the mapped columns
        ["", "", "", ""],  # a blank line is ignored
    ]
    officer, job = _upload(db, c, csv_bytes(rows))
    _map(db, officer, c, job)
    checked = _run(sessions, job.id)
    assert checked.valid_rows == 1 and checked.error_count == 6 and checked.total_rows == 7
    messages = {e["row"]: " ".join(e["errors"]) for e in checked.errors}
    assert "a column is missing" in messages[3]
    assert "20,000 characters" in messages[4]
    assert "not one of" in messages[5] and "not one of" in messages[6]
    assert "not a kind of person" in messages[7]
    assert "Nothing to import" in messages[8]


def test_a_file_broken_halfway_fails_clearly_and_keeps_earlier_work(db, sessions):
    c = make_consultation(db)
    make_response(db, c, {c.questions[1].id: "Already here"})
    officer, job = _upload(db, c, csv_bytes([HEADER, *_rows(2)]))
    _map(db, officer, c, job)
    _run(sessions, job.id)
    imports.confirm(db, officer.id, job.id)
    with sessions() as s:  # the stored file is damaged before the worker gets to it
        s.get(ImportJob, job.id).content = b'Agree?,Why\n"unterminated\x00'
        s.commit()
    failed = _run(sessions, job.id)
    assert failed.status == ImportStatus.FAILED and failed.error
    assert _count(sessions) == 1


def test_mapping_must_name_real_columns_and_questions(db):
    c = make_consultation(db)
    officer, job = _upload(db, c, csv_bytes([HEADER, *_rows(1)]))
    with pytest.raises(imports.ValidationFailed):
        imports.save_mapping(db, officer.id, job.id, {c.questions[0].id: "Missing column"})
    with pytest.raises(imports.ValidationFailed):
        imports.save_mapping(db, officer.id, job.id, {})
    with pytest.raises(Conflict):
        imports.confirm(db, officer.id, job.id)


def test_formula_detection():
    for bad in ("=1+1", "=CMD()", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1"):
        assert imports.looks_like_formula(bad), bad
    for fine in ("- more buses", "+44 7700 900123", "-- great", "Email me @ home", "1 + 1", "@council thanks"):
        assert not imports.looks_like_formula(fine), fine


@pytest.mark.slow
def test_100k_rows_import_in_batches(db, sessions):
    c = make_consultation(db)
    rows = [HEADER] + [["Agree", f"Comment {i}", "Schools", "Resident"] for i in range(100_000)]
    officer, job = _upload(db, c, csv_bytes(rows))
    _map(db, officer, c, job)
    assert _run(sessions, job.id).valid_rows == 100_000
    imports.confirm(db, officer.id, job.id)
    assert _run(sessions, job.id).created_count == 100_000
    assert _count(sessions) == 100_000


def test_a_failure_mid_import_keeps_earlier_batches_and_a_retry_adds_only_the_rest(db, sessions, monkeypatch):
    c = make_consultation(db)
    officer, job = _upload(db, c, csv_bytes([HEADER, *_rows(25)]))
    _map(db, officer, c, job)
    _run(sessions, job.id)
    imports.confirm(db, officer.id, job.id)
    monkeypatch.setattr(imports, "BATCH", 10)
    real = imports._store_batch
    calls = []

    def flaky(db, job_id, batch):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        if len(calls) == 2:
            raise OSError("disk full")
        return real(db, job_id, batch)

    monkeypatch.setattr(imports, "_store_batch", flaky)
    failed = _run(sessions, job.id)
    assert failed.status == ImportStatus.FAILED and "try again" in failed.error
    assert failed.created_count == 10 and _count(sessions) == 10  # the first batch is kept

    imports.confirm(db, officer.id, job.id)  # "Try the import again"
    done = _run(sessions, job.id)
    assert done.status == ImportStatus.DONE
    assert _count(sessions) == 25 and done.created_count == 25 and done.skipped_count == 10
