from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from engage.models import AuditEvent, Consultation, JobStatus, Question, Response, Theme, ThemingJob
from tests.conftest import csrf_from, form_post
from tests.factories import make_comments, make_consultation, make_response, make_theme

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


# ---- Questions are checked; a consultation is previewed before it opens -----------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_a_choice_question_with_no_options_is_refused(client, db, login, sessions, htmx):
    c = make_consultation(db, status="draft", questions=[])
    login()
    headers = {"HX-Request": "true"} if htmx else {}
    page = f"/staff/consultations/{c.id}"
    r = form_post(
        client,
        page,
        f"{page}/questions",
        {"text": "Choose one", "kind": "single_choice", "options": ""},
        headers=headers,
    )
    assert r.status_code == (200 if htmx else 400)
    assert "Enter at least 2 options" in r.text and 'href="#options"' in r.text
    assert _question_ids(sessions, c.id) == []


def test_a_consultation_with_a_broken_question_does_not_open(client, db, login, sessions):
    c = make_consultation(db, status="draft", questions=[{"kind": "single_choice", "text": "Choose", "options": []}])
    login()
    page = f"/staff/consultations/{c.id}"
    overview = client.get(page)
    assert "cannot open yet" in overview.text and "fewer than 2 options" in overview.text
    r = form_post(client, page, f"{page}/status", {"action": "open"})
    assert r.status_code == 409 and "fewer than 2 options" in r.text
    with sessions() as s:
        assert s.get(Consultation, c.id).status == "draft"
    assert client.get(f"/consultations/{c.slug}").status_code == 404


@pytest.mark.parametrize("role", ["officer", "coalition_member"])
def test_preview_shows_the_draft_as_residents_will_see_it_and_stores_nothing(client, db, login, sessions, role):
    c = make_consultation(db, status="draft", title="Safer streets")
    agree, why, how = c.questions
    login(role)
    assert client.get(f"/consultations/{c.slug}").status_code == 404  # still not public
    page = client.get(f"/staff/consultations/{c.id}/preview")
    assert page.status_code == 200 and 'data-testid="preview-banner"' in page.text
    assert "Safer streets" in page.text and why.text in page.text and "Online vote" in page.text
    assert f'action="/staff/consultations/{c.id}/preview"' in page.text
    bad = form_post(client, f"/staff/consultations/{c.id}/preview", f"/staff/consultations/{c.id}/preview", {})
    assert bad.status_code == 400 and f'href="#q{agree.id}-0"' in bad.text
    good = form_post(
        client,
        f"/staff/consultations/{c.id}/preview",
        f"/staff/consultations/{c.id}/preview",
        {"audience": "resident", f"q{agree.id}": "Agree", f"q{why.id}": "Because", f"q{how.id}": ["Schools"]},
    )
    assert good.status_code == 200 and 'data-testid="preview-checked"' in good.text
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 0


# ---- Consultations open and close on their dates ---------------------------------------------------


def test_a_consultation_past_its_closing_date_is_closed_everywhere(client, db, login, sessions):
    today = dt.date.today()
    c = make_consultation(db, status="open", title="Past its date", opens_on=today - dt.timedelta(days=20))
    agree, why, how = c.questions
    kept = make_response(db, c, {why.id: "Said while it was open"})
    page = client.get(f"/consultations/{c.slug}/respond")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    token = csrf_from(page.text)
    # The closing date passes while someone has the form open.
    with sessions() as s:
        s.get(Consultation, c.id).closes_on = today - dt.timedelta(days=1)
        s.commit()
    home = client.get("/").text  # listed with the closed consultations, not the open ones
    assert "Past its date" in home and "Closed: results due by" in home.split("Past its date", 1)[1][:400]
    assert "This consultation has closed" in client.get(f"/consultations/{c.slug}").text
    answers = {
        "csrftoken": token,
        "idempotency_key": key,
        "audience": "resident",
        f"q{agree.id}": "Agree",
        f"q{why.id}": "Too late",
        f"q{how.id}": ["Schools"],
        "action": "submit",
    }
    late = client.post(f"/consultations/{c.slug}/respond", data=answers)
    assert late.status_code == 409 and "not open" in late.text
    with sessions() as s:
        assert s.scalars(select(Response.reference)).all() == [kept.reference]
    login()
    assert "Closed" in client.get("/staff").text
    overview = client.get(f"/staff/consultations/{c.id}")
    assert 'govuk-tag--yellow">Closed' in overview.text and "Reopen consultation" in overview.text
    publish = client.get(f"/staff/consultations/{c.id}/publish")
    assert "Close the consultation before publishing" not in publish.text


def test_a_scheduled_consultation_opens_on_its_date(client, db, login, sessions):
    today = dt.date.today()
    c = make_consultation(db, status="draft", title="Coming soon", opens_on=today + dt.timedelta(days=2))
    login()
    page = f"/staff/consultations/{c.id}"
    r = form_post(client, page, f"{page}/status", {"action": "open"})
    assert "will open by itself on" in r.text and "Scheduled to open" in r.text and "Open now" in r.text
    client.cookies.clear()
    assert "Coming soon" not in client.get("/").text
    assert client.get(f"/consultations/{c.slug}").status_code == 404
    assert client.get(f"/consultations/{c.slug}/respond").status_code == 404
    # Its opening day comes.
    with sessions() as s:
        s.get(Consultation, c.id).opens_on = today
        s.commit()
    assert "Coming soon" in client.get("/").text
    assert client.get(f"/consultations/{c.slug}/respond").status_code == 200


def test_theming_run_page_says_what_theming_found(client, app, db, login, sessions):
    c = make_consultation(db, status="closed")
    why = c.questions[1]
    grouped = make_comments(db, c, ["Rename the streets", "Rename them all", "Rename Beckwith Road"])
    make_comments(db, c, ["Something else entirely"])
    make_comments(db, c, ["You are idiots"], flags=[{"kind": "abuse", "reason": "insult"}])
    make_comments(db, c, ["my step dad hits me"], flags=[{"kind": "safeguarding", "reason": "disclosure"}])
    make_theme(db, why, answers=grouped, name="Rename the streets")
    with sessions() as s:
        from engage.models import ThemingJob

        s.add(ThemingJob(consultation_id=c.id, status=JobStatus.DONE, progress=1.0, message="Finished"))
        s.commit()
    login()
    page = client.get(f"/staff/consultations/{c.id}/theming")
    found = page.text.split('data-testid="run-summary"')[1].split("</dl>")[0]

    def figure(name):  # type: ignore[no-untyped-def]
        return re.search(rf'data-testid="summary-{name}">([^<]*)<', found).group(1).strip()

    # The safeguarding comment is left out of every figure: officers do not learn it exists.
    assert figure("comments") == "5"
    assert figure("themes") == "1"
    assert figure("themed").startswith("3 (60%)")
    assert figure("other").startswith("2 comments in no theme")
    assert "Abusive or hateful language: 1" in found and "safeguarding" not in found.lower()
