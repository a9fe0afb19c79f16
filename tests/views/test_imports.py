"""Officers import paper responses and workshop notes through HTTP, with JavaScript off and htmx."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engage.models import ImportJob, Response
from tests.conftest import csrf_from
from tests.factories import csv_bytes, make_consultation, xlsx_bytes

HEADER = ["The council should review names linked to slavery", "Why", "How involved", "Who"]


def _upload(client, c, content, filename="forms.csv", **fields):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/consultations/{c.id}/imports")
    data = {
        "csrftoken": csrf_from(page.text),
        "channel": "paper",
        "audience": "resident",
        "held_on": "2027-03-14",
        "place": "Eastside Library",
        "facilitator": "Priya",
        **fields,
    }
    return client.post(
        f"/staff/consultations/{c.id}/imports", data=data, files={"file": (filename, content, "text/csv")}
    )


def test_upload_map_preview_confirm_import(client, db, login, app, sessions):
    login()
    c = make_consultation(db)
    rows = [HEADER, ["Agree", "Rename it", "Schools", "Parent or carer"], ["Agree", '=HYPERLINK("x")', "", ""]]
    r = _upload(client, c, csv_bytes(rows))
    assert r.status_code == 200 and "Match the columns to questions" in r.text
    job_id = int(re.search(r"/staff/imports/(\d+)/columns", str(r.url)).group(1))
    agree, why, how = c.questions
    # The heading that is the question is matched already.
    assert f'<option value="{HEADER[0]}" selected>' in r.text

    data = {
        "csrftoken": csrf_from(r.text),
        f"q{agree.id}": HEADER[0],
        f"q{why.id}": "Why",
        f"q{how.id}": "How involved",
        "audience_column": "Who",
    }
    r = client.post(f"/staff/imports/{job_id}/columns", data=data)
    assert "Waiting to check" in r.text and 'hx-trigger="every 1s"' in r.text
    assert app.state.worker.run_once()
    # htmx polls the fragment.
    frag = client.get(f"/staff/imports/{job_id}", headers={"HX-Request": "true"})
    assert "1 ready to import, 1 with errors" in frag.text and "formula" in frag.text
    assert "<h1" not in frag.text
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 0

    page = client.get(f"/staff/imports/{job_id}")
    r = client.post(f"/staff/imports/{job_id}/confirm", data={"csrftoken": csrf_from(page.text)})
    assert "Waiting to import" in r.text
    assert app.state.worker.run_once()
    done = client.get(f"/staff/imports/{job_id}")
    assert "1 responses imported" in done.text
    with sessions() as s:
        stored = s.scalars(select(Response)).one()
        assert stored.channel == "paper" and stored.audience == "parent"
    listing = client.get(f"/staff/consultations/{c.id}/imports")
    assert "forms.csv" in listing.text and "Imported" in listing.text

    # The same file again: the officer is warned, and nothing is added twice.
    again = _upload(client, c, csv_bytes(rows))
    assert "already imported" in again.text


def test_upload_errors_are_shown_on_the_form(client, db, login, sessions):
    login()
    c = make_consultation(db)
    r = _upload(client, c, "Why\nCafé\n".encode("cp1252"))
    assert r.status_code == 400 and "not UTF-8" in r.text and 'href="#file"' in r.text
    r = _upload(client, c, b"PK\x03\x04junk", filename="book.xlsx")
    assert r.status_code == 400 and "not an Excel" in r.text
    r = _upload(client, c, b"a,b\n", channel="")
    assert r.status_code == 400 and "Select where these responses came from" in r.text
    with sessions() as s:
        assert s.scalar(select(func.count(ImportJob.id))) == 0


def test_mapping_nothing_is_an_error(client, db, login):
    login()
    c = make_consultation(db)
    r = _upload(client, c, xlsx_bytes([["Notes"], ["We want trees"]]), filename="notes.xlsx")
    job_id = int(re.search(r"/staff/imports/(\d+)/columns", str(r.url)).group(1))
    r = client.post(f"/staff/imports/{job_id}/columns", data={"csrftoken": csrf_from(r.text)})
    assert r.status_code == 400 and "Match at least one column" in r.text


def test_non_managers_cannot_import(client, db, login):
    login("moderator")
    c = make_consultation(db)
    assert client.get(f"/staff/consultations/{c.id}/imports").status_code == 403


def test_upload_without_the_csrf_token_is_refused(client, db, login, sessions):
    login()
    c = make_consultation(db)
    client.get(f"/staff/consultations/{c.id}/imports")
    for token in ("", "forged"):
        r = client.post(
            f"/staff/consultations/{c.id}/imports",
            data={"csrftoken": token, "channel": "paper", "audience": "resident"},
            files={"file": ("f.csv", b"Why\nx\n", "text/csv")},
        )
        assert r.status_code == 403
    with sessions() as s:
        assert s.scalar(select(func.count(ImportJob.id))) == 0
