from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from engage.models import AuditEvent, Commitment
from tests.conftest import csrf_from, form_post
from tests.factories import make_comments, make_consultation, make_theme


@pytest.fixture
def c(db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="published")
    answers = make_comments(db, c, ['=HYPERLINK("http://evil") rename it', "Plaques please"])
    make_theme(db, c.questions[1], answers=answers, name="Rename", response_text="We will.", quotes=["Plaques please"])
    return c


@pytest.mark.parametrize("htmx", [False, True])
def test_commitments_from_staff_page_to_public_pages(client, login, c, sessions, htmx):
    login()
    page = f"/staff/consultations/{c.id}/commitments"
    r = form_post(client, page, page, {"title": "", "owner": "", "due_on": ""})
    assert r.status_code == 400 and "Enter what the council will do" in r.text
    r = form_post(client, page, page, {"title": "Rename Beckwith Road", "owner": "Place team", "due_on": "2027-03-31"})
    assert "Commitment added." in r.text
    with sessions() as s:
        kid = s.scalars(select(Commitment.id)).one()
    headers = {"HX-Request": "true"} if htmx else {}
    r = form_post(client, page, f"/staff/commitments/{kid}/status", {"status": "dropped", "note": ""}, headers=headers)
    assert "Say why the commitment was dropped" in r.text
    r = form_post(
        client,
        page,
        f"/staff/commitments/{kid}/status",
        {"status": "in_progress", "note": "Survey done"},
        headers=headers,
    )
    assert r.status_code == 200 and "In progress" in r.text
    if htmx:
        assert "<html" not in r.text and f'id="commitment-{kid}"' in r.text
    results = client.get(f"/consultations/{c.slug}/results").text
    assert "Rename Beckwith Road" in results and "Planned → In progress: Survey done" in results
    public = client.get("/commitments").text
    assert "Rename Beckwith Road" in public and "Place team" in public


@pytest.mark.parametrize("role", ["coalition_member", "moderator"])
def test_only_managers_add_commitments_and_export(client, login, c, role):
    login(role)
    page = f"/staff/consultations/{c.id}/commitments"
    assert client.get(page).status_code == 200
    token = csrf_from(client.get(page).text)
    assert (
        client.post(page, data={"title": "x", "owner": "y", "due_on": "2027-01-01", "csrftoken": token}).status_code
        == 403
    )
    for fmt in ("json", "themes.csv", "comments.csv"):
        assert client.get(f"/staff/consultations/{c.id}/export.{fmt}").status_code == 403


def test_exports_are_redacted_logged_and_formula_safe(client, login, c, sessions):
    login()
    data = json.loads(client.get(f"/staff/consultations/{c.id}/export.json").text)
    assert data["themes"][0]["name"] == "Rename" and data["themes"][0]["comments"] == 2
    assert {x["comment"] for x in data["comments"]} == {'=HYPERLINK("http://evil") rename it', "Plaques please"}
    rows = list(csv.reader(io.StringIO(client.get(f"/staff/consultations/{c.id}/export.comments.csv").text)))
    assert rows[0][:3] == ["reference", "question", "comment"]
    assert any(r[2].startswith("'=HYPERLINK") for r in rows[1:])
    assert client.get(f"/staff/consultations/{c.id}/export.themes.csv").status_code == 200
    assert client.get(f"/staff/consultations/{c.id}/export.exe").status_code == 404
    with sessions() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "export.review")).all()
        assert [e.detail["format"] for e in events] == ["json", "comments.csv", "themes.csv"]


def test_report_page_has_svg_charts_with_tables(client, login, c):
    login("coalition_member")
    r = client.get(f"/staff/consultations/{c.id}/report")
    assert r.status_code == 200
    assert '<svg class="engage-chart"' in r.text and 'role="img"' in r.text and "<table" in r.text
    assert "Rename" in r.text and "We will." in r.text
