from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.models import AuditEvent, ErasureRequest, Response
from tests.conftest import form_post
from tests.factories import make_consultation, make_response

STAFF_PAGES_GET = ["/staff/erasure"]
STAFF_POSTS = ["/staff/erasure/find", "/staff/erasure/erase", "/staff/erasure/1/erase", "/staff/erasure/1/close"]


def test_public_page_is_linked_from_the_footer_and_the_confirmation(client):
    r = client.get("/")
    assert 'href="/erase"' in r.text
    r = client.get("/erase")
    assert r.status_code == 200 and "Ask us to delete your response" in r.text
    from pathlib import Path

    received = (Path(__file__).resolve().parents[2] / "templates/public/received.html").read_text()
    assert 'href="/erase"' in received


def test_same_answer_whether_or_not_the_reference_exists(client, db, sessions):
    c = make_consultation(db)
    make_response(db, c, {c.questions[1].id: "My words"}, reference="ABCD-EFGH")
    answers = []
    for reference in ("abcd-efgh", "ZZZZ-ZZZZ"):
        r = form_post(client, "/erase", "/erase", {"reference": reference})
        assert r.status_code == 200 and str(r.url).endswith("/erase/sent")
        answers.append(r.text.replace(client.cookies.get("csrftoken", ""), ""))
    assert answers[0] == answers[1]
    with sessions() as s:
        assert sorted(s.scalars(select(ErasureRequest.reference)).all()) == ["ABCD-EFGH", "ZZZZ-ZZZZ"]


@pytest.mark.parametrize(("reference", "message"), [("", "Enter your reference number"), ("hello", "correct format")])
def test_reference_errors(client, reference, message):
    r = form_post(client, "/erase", "/erase", {"reference": reference})
    assert r.status_code == 400 and message in r.text and 'href="#reference"' in r.text


def test_requests_are_rate_limited_per_address(client):
    for _ in range(5):
        form_post(client, "/erase", "/erase", {"reference": "ZZZZ-ZZZZ"})
    r = form_post(client, "/erase", "/erase", {"reference": "YYYY-YYYY"})
    assert r.status_code == 429


def test_erase_needs_csrf(client):
    assert client.post("/erase", data={"reference": "ZZZZ-ZZZZ"}).status_code == 403


def test_officer_erases_a_requested_response(client, db, sessions, login):
    c = make_consultation(db, title="Library hours")
    make_response(db, c, {c.questions[1].id: "Open on Sundays"}, reference="ABCD-EFGH")
    form_post(client, "/erase", "/erase", {"reference": "ABCD-EFGH"})
    form_post(client, "/erase", "/erase", {"reference": "ZZZZ-ZZZZ"})
    login("officer")
    r = client.get("/staff")
    assert 'href="/staff/erasure"' in r.text
    r = client.get("/staff/erasure")
    assert "Waiting (2)" in r.text and "ABCD-EFGH" in r.text and "Library hours" in r.text
    assert "No response has this reference number" in r.text
    with sessions() as s:
        found, missing = s.scalars(select(ErasureRequest.id).order_by(ErasureRequest.id)).all()
    r = form_post(client, "/staff/erasure", f"/staff/erasure/{found}/erase", {})
    assert r.status_code == 200 and "Response erased from Library hours" in r.text and "Waiting (1)" in r.text
    r = form_post(client, "/staff/erasure", f"/staff/erasure/{found}/erase", {})
    assert r.status_code == 409
    r = form_post(client, "/staff/erasure", f"/staff/erasure/{missing}/erase", {})
    assert r.status_code == 409  # no response to erase: close it instead
    r = form_post(client, "/staff/erasure", f"/staff/erasure/{missing}/close", {})
    assert "Request closed" in r.text and "No requests are waiting" in r.text
    assert form_post(client, "/staff/erasure", f"/staff/erasure/{missing}/close", {}).status_code == 409
    assert form_post(client, "/staff/erasure", "/staff/erasure/999999/close", {}).status_code == 404
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 0
        assert s.scalars(select(ErasureRequest.reference)).all() == [None, None]
        assert {"response.erased", "erasure.closed"} <= set(s.scalars(select(AuditEvent.action)).all())


def test_officer_finds_and_erases_directly_by_reference(client, db, sessions, login):
    c = make_consultation(db, title="Parks")
    make_response(db, c, {c.questions[1].id: "More benches"}, reference="BCDE-FGHJ")
    make_response(db, c, {c.questions[1].id: "Fewer benches"}, reference="CDEF-GHJK")
    login("admin")
    r = form_post(client, "/staff/erasure", "/staff/erasure/find", {"reference": ""})
    assert r.status_code == 400 and 'href="#reference"' in r.text
    r = form_post(client, "/staff/erasure", "/staff/erasure/find", {"reference": "ZZZZ-ZZZZ"})
    assert r.status_code == 400 and "No response has this reference number" in r.text
    r = form_post(client, "/staff/erasure", "/staff/erasure/find", {"reference": "bcde fghj"})
    assert r.status_code == 200 and "Parks" in r.text and "Erase this response" in r.text
    assert "More benches" not in r.text  # the words are not shown
    r = form_post(client, "/staff/erasure", "/staff/erasure/erase", {"reference": "BCDE-FGHJ"})
    assert "Response erased from Parks" in r.text
    r = form_post(client, "/staff/erasure", "/staff/erasure/erase", {"reference": "BCDE-FGHJ"})
    assert r.status_code == 400 and "No response has this reference number" in r.text
    with sessions() as s:
        assert s.scalars(select(Response.reference)).all() == ["CDEF-GHJK"]
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "response.erased")).one()
        assert "BCDE" not in str(event.detail) and len(event.detail["reference_hash"]) == 64


@pytest.mark.parametrize("role", ["moderator", "coalition_member", "safeguarding_lead"])
def test_other_roles_cannot_erase(client, login, role):
    login(role)
    assert client.get("/staff/erasure").status_code == 403
    for url in STAFF_POSTS:
        assert form_post(client, "/staff", url, {"reference": "ABCD-EFGH"}).status_code == 403
    assert 'href="/staff/erasure"' not in client.get("/staff").text


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_managers_see_the_page(client, login, role):
    login(role)
    assert client.get("/staff/erasure").status_code == 200


def test_anonymous_visitors_go_to_sign_in(client):
    assert client.get("/staff/erasure", follow_redirects=False).headers["location"].endswith("/staff/login")
    for url in STAFF_POSTS:
        r = form_post(client, "/erase", url, {"reference": "ABCD-EFGH"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith("/staff/login")


def test_mistyped_references_get_a_clear_error_and_never_use_up_the_limit(client):
    for _ in range(8):
        r = form_post(client, "/erase", "/erase", {"reference": "ABCD-EFG1"})  # 1 is never in a reference
        assert r.status_code == 400 and "8 letters and numbers, like ABCD-EFGH" in r.text
    r = form_post(client, "/erase", "/erase", {"reference": "abcd efgh"}, follow_redirects=False)
    assert r.status_code == 303
