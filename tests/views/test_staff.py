from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.models import AuditEvent, Consultation, JobStatus, Question, Theme, ThemingJob
from tests.conftest import csrf_from, form_post
from tests.factories import make_consultation, make_response, make_theme

READ_ROUTES = [
    "/staff",
    "/staff/consultations/{id}",
    "/staff/consultations/{id}/responses",
    "/staff/consultations/{id}/themes",
]
MANAGER_GET_ROUTES = [
    "/staff/consultations/new",
    "/staff/consultations/{id}/edit",
    "/staff/consultations/{id}/theming",
    "/staff/consultations/{id}/publish",
    "/staff/consultations/{id}/imports",
]
MANAGER_POST_ROUTES = [
    "/staff/consultations/new",
    "/staff/consultations/{id}/edit",
    "/staff/consultations/{id}/questions",
    "/staff/consultations/{id}/questions/{qid}/remove",
    "/staff/consultations/{id}/questions/{qid}/move",
    "/staff/consultations/{id}/status",
    "/staff/consultations/{id}/theming",
    "/staff/consultations/{id}/publish",
    "/staff/consultations/{id}/imports",
]


def test_anonymous_visitors_are_sent_to_login(client, db):
    c = make_consultation(db, status="draft")
    for route in READ_ROUTES + MANAGER_GET_ROUTES:
        r = client.get(route.format(id=c.id), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith("/staff/login"), route


@pytest.mark.parametrize("role", ["coalition_member", "moderator"])
def test_non_managers_can_read_but_not_change(client, db, login, role):
    c = make_consultation(db, status="draft")
    qid = c.questions[0].id
    login(role)
    for route in READ_ROUTES:
        assert client.get(route.format(id=c.id)).status_code == 200, route
    for route in MANAGER_GET_ROUTES:
        assert client.get(route.format(id=c.id)).status_code == 403, route
    token = csrf_from(client.get("/staff").text)
    for route in MANAGER_POST_ROUTES:
        r = client.post(route.format(id=c.id, qid=qid), data={"csrftoken": token})
        assert r.status_code == 403, route
    assert "Create a consultation" not in client.get("/staff").text


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_managers_can_open_every_page(client, db, login, role):
    c = make_consultation(db, status="closed")
    login(role)
    for route in READ_ROUTES + MANAGER_GET_ROUTES:
        assert client.get(route.format(id=c.id)).status_code == 200, route


def test_create_consultation(client, db, login, sessions):
    login()
    r = form_post(
        client,
        "/staff/consultations/new",
        "/staff/consultations/new",
        [
            ("title", "Youth Parliament: safer streets"),
            ("slug", ""),
            ("summary", "Tell us how to make streets safer."),
            ("body", "Young people asked for this."),
            ("audiences", "young_person"),
            ("audiences", "parent"),
            ("opens_on", "2027-01-10"),
            ("closes_on", "2027-02-28"),
        ],
    )
    assert r.status_code == 200 and "Consultation created" in r.text
    with sessions() as s:
        c = s.scalars(select(Consultation)).one()
        assert c.slug == "youth-parliament-safer-streets"
        assert c.audiences == ["young_person", "parent"] and c.status == "draft"
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "consultation.created")) == 1


def test_create_consultation_errors(client, login):
    login()
    r = form_post(
        client,
        "/staff/consultations/new",
        "/staff/consultations/new",
        {"title": "", "summary": "", "closes_on": "2027-01-01", "opens_on": "2027-02-01"},
    )
    assert r.status_code == 400
    for anchor in ("#title", "#summary", "#audiences-0", "#closes_on"):
        assert f'href="{anchor}"' in r.text


def test_edit_consultation(client, db, login, sessions):
    c = make_consultation(db, status="draft")
    login()
    r = form_post(
        client,
        f"/staff/consultations/{c.id}/edit",
        f"/staff/consultations/{c.id}/edit",
        [
            ("title", "Renamed"),
            ("slug", "renamed-review"),
            ("summary", "New summary"),
            ("audiences", "resident"),
        ],
    )
    assert "Details saved" in r.text
    with sessions() as s:
        assert s.get(Consultation, c.id).slug == "renamed-review"


def _question_ids(sessions, cid):  # type: ignore[no-untyped-def]
    with sessions() as s:
        return list(s.scalars(select(Question.id).where(Question.consultation_id == cid).order_by(Question.position)))


@pytest.mark.parametrize("htmx", [False, True])
def test_add_move_remove_questions(client, db, login, sessions, htmx):
    c = make_consultation(db, status="draft")
    login()
    headers = {"HX-Request": "true"} if htmx else {}
    page = f"/staff/consultations/{c.id}"
    r = form_post(
        client,
        page,
        f"{page}/questions",
        {
            "text": "Which local heroes should we celebrate?",
            "kind": "single_choice",
            "options": "Olive Morris\nClaudia Jones\n",
            "required": "y",
        },
        headers=headers,
    )
    assert r.status_code == 200 and "Which local heroes" in r.text
    if htmx:
        assert "<html" not in r.text and 'id="questions"' in r.text  # only the questions section
    else:
        assert "<html" in r.text
    ids = _question_ids(sessions, c.id)
    assert len(ids) == 4
    with sessions() as s:
        added = s.get(Question, ids[-1])
        assert added.options == ["Olive Morris", "Claudia Jones"] and added.required

    form_post(client, page, f"{page}/questions/{ids[-1]}/move", {"direction": "up"}, headers=headers)
    assert _question_ids(sessions, c.id) == [ids[0], ids[1], ids[3], ids[2]]
    form_post(client, page, f"{page}/questions/{ids[0]}/remove", {}, headers=headers)
    assert _question_ids(sessions, c.id) == [ids[1], ids[3], ids[2]]


def test_choice_question_needs_options(client, db, login):
    c = make_consultation(db, status="draft")
    login()
    r = form_post(
        client,
        f"/staff/consultations/{c.id}",
        f"/staff/consultations/{c.id}/questions",
        {"text": "Pick", "kind": "multiple_choice", "options": "only one"},
    )
    assert r.status_code == 400 and "Enter at least 2 options" in r.text


def test_questions_are_frozen_once_open(client, db, login, sessions):
    c = make_consultation(db, status="open")
    login()
    qid = c.questions[0].id
    r = form_post(client, f"/staff/consultations/{c.id}", f"/staff/consultations/{c.id}/questions/{qid}/remove", {})
    assert r.status_code == 409
    assert len(_question_ids(sessions, c.id)) == 3


def test_open_and_close(client, db, login, sessions):
    c = make_consultation(db, status="draft")
    login()
    page = f"/staff/consultations/{c.id}"
    assert "now open" in form_post(client, page, f"{page}/status", {"action": "open"}).text
    assert "now closed" in form_post(client, page, f"{page}/status", {"action": "close"}).text
    r = form_post(client, page, f"{page}/status", {"action": "close"})
    assert r.status_code == 409
    with sessions() as s:
        assert s.get(Consultation, c.id).status == "closed"


def test_responses_page_shows_redacted_text_only(client, db, login):
    c = make_consultation(db)
    why = c.questions[1]
    r = make_response(db, c, {why.id: "Call me on 07700 900123"})
    login("coalition_member")
    page = client.get(f"/staff/consultations/{c.id}/responses")
    assert r.reference in page.text
    assert "07700 900123" not in page.text and "Waiting for the personal data check" in page.text


def test_theming_runs_outside_the_request_and_shows_progress(client, app, db, login, sessions, nlp):
    c = make_consultation(db, status="closed")
    why = c.questions[1]
    for text in [
        "The street names honour slave traders",
        "Renaming costs businesses money",
        "Name it after Olive Morris",
        "Changing addresses is a hassle for older people",
    ]:
        make_response(db, c, {why.id: text})
    login()
    page = f"/staff/consultations/{c.id}/theming"
    r = form_post(client, page, page, {}, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in r.text and "Queued" in r.text  # the fragment polls
    with sessions() as s:
        assert s.scalars(select(ThemingJob)).one().status == JobStatus.QUEUED
    assert app.state.worker.run_once()
    r = client.get(page, headers={"HX-Request": "true"})
    assert "Done" in r.text and "every 1s" not in r.text
    with sessions() as s:
        assert s.scalar(select(func.count(Theme.id))) >= 1
    review = client.get(f"/staff/consultations/{c.id}/themes")
    assert "Why do you feel that way?" in review.text and "/staff/themes/" in review.text


def test_theme_page_full_and_fragment(client, db, login):
    c = make_consultation(db, status="closed")
    why = c.questions[1]
    resp = make_response(db, c, {why.id: "Name it after Olive Morris"})
    from engage.models import Answer

    answer = db.scalars(select(Answer).where(Answer.response_id == resp.id)).one()
    answer.redacted = "Name it after Olive Morris"
    db.commit()
    theme = make_theme(db, why, answers=[answer], name="Celebrate local Black history")
    login("coalition_member")
    full = client.get(f"/staff/themes/{theme.id}")
    assert "<html" in full.text and "Name it after Olive Morris" in full.text
    part = client.get(f"/staff/themes/{theme.id}", headers={"HX-Request": "true"})
    assert "<html" not in part.text and "Name it after Olive Morris" in part.text
    assert client.get("/staff/themes/999999").status_code == 404


def test_write_responses_and_publish(client, db, login, sessions):
    c = make_consultation(db, status="closed")
    why = c.questions[1]
    resp = make_response(db, c, {why.id: "Rename Beckwith Road"})
    from engage.models import Answer

    answer = db.scalars(select(Answer).where(Answer.response_id == resp.id)).one()
    theme = make_theme(db, why, answers=[answer], name="Rename streets named after enslavers")
    login()
    page = f"/staff/consultations/{c.id}/publish"
    r = form_post(client, page, page, {"action": "publish", f"response-{theme.id}": ""})
    assert r.status_code == 409 and "Write what the council will do" in r.text
    r = form_post(client, page, page, {"action": "save", f"response-{theme.id}": "We will rename it by 2027."})
    assert "Responses saved" in r.text
    r = form_post(client, page, page, {"action": "publish", f"response-{theme.id}": "We will rename it by 2027."})
    assert "Results published" in r.text
    results = client.get(f"/consultations/{c.slug}/results")
    assert "Rename streets named after enslavers" in results.text and "We will rename it by 2027." in results.text
    with sessions() as s:
        assert s.get(Consultation, c.id).status == "published"
        actions = set(s.scalars(select(AuditEvent.action)))
        assert {"theme.response_written", "consultation.published"} <= actions


def test_cannot_publish_while_open(client, db, login):
    c = make_consultation(db, status="open")
    login()
    page = f"/staff/consultations/{c.id}/publish"
    r = form_post(client, page, page, {"action": "publish"})
    assert r.status_code == 409
