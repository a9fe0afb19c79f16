from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from engage.demo.loader import DEMO_LOGIN, demo_documents, load_demo, staff_logins
from engage.models import (
    Answer,
    Commitment,
    Consultation,
    ForumPost,
    ForumThread,
    PopulationShare,
    PostReport,
    Proposal,
    Question,
    QuestionKind,
    Response,
    Role,
    StaffUser,
    Theme,
    ThemeAssignment,
)
from tests.conftest import form_post


def test_demo_documents_are_varied_and_large_enough():
    docs = demo_documents()
    free = [
        v
        for d in docs
        for r in d["responses"]
        for k, v in r["answers"].items()
        if next(q for q in d["questions"] if q["key"] == k)["kind"] == QuestionKind.FREE_TEXT
    ]
    assert sum(len(d["responses"]) for d in docs) >= 300
    assert len(set(free)) == len(free), "a demo answer is repeated"
    assert {r["channel"] for d in docs for r in d["responses"]} >= {"online", "paper", "workshop", "email"}


def test_demo_loads_themed_and_published_once(sessions, settings, nlp):
    first = load_demo(sessions, settings.spacy_model)
    again = load_demo(sessions, settings.spacy_model)
    assert all("already loaded" in line for line in again)
    assert len(first) == 7 and first[0].startswith("population:")
    with sessions() as s:
        statuses = dict(s.execute(select(Consultation.slug, Consultation.status)).all())
        assert statuses == {
            "review-rename-reclaim": "published",
            "listening-to-parents": "closed",
            "anti-racism-stocktake-2026": "open",
            "youth-parliament-priorities-2027": "open",
            "name-the-new-library": "open",
            "forum-youth-forum": "open",
            "forum-parents-forum": "open",
        }
        assert s.scalar(select(func.count(Answer.id)).where(Answer.redacted.is_not(None))) >= 300
        assert s.scalar(select(func.count(Theme.id))) >= 10
        assert s.scalar(select(func.count(ThemeAssignment.id))) >= 300
        assert s.scalar(select(func.count(StaffUser.id)).where(StaffUser.email == DEMO_LOGIN[0])) == 1
        assert s.scalar(select(func.count(PopulationShare.id))) == 15
        published = s.scalars(select(Theme).where(Theme.response_text != "")).all()
        assert len(published) >= 5


def test_demo_results_page(client, sessions, settings, nlp):
    load_demo(sessions, settings.spacy_model)
    page = client.get("/consultations/review-rename-reclaim/results")
    assert page.status_code == 200
    assert "What we will do" in page.text and "people" in page.text


def test_demo_equality_answers_are_realistic_and_deterministic(db):
    import random

    from engage.demo.loader import create_from_document, equality_answers_for
    from engage.models import Audience, EqualityAnswers, Response

    doc = next(d for d in demo_documents() if d["slug"] == "review-rename-reclaim")
    cid, n = create_from_document(db, doc)
    rows = db.scalars(select(EqualityAnswers).join(Response).where(Response.consultation_id == cid)).all()
    assert 0.5 <= len(rows) / n <= 0.7
    groups = {r.ethnic_group for r in rows}
    assert len(groups) >= 5 and "White" in groups
    young = db.scalars(
        select(EqualityAnswers.age_band).join(Response).where(Response.audience == Audience.YOUNG_PERSON)
    ).all()
    assert set(young) <= {"Under 13", "13 to 15", "16 to 17"}
    a = [equality_answers_for(random.Random("x"), Audience.RESIDENT) for _ in range(1)]
    b = [equality_answers_for(random.Random("x"), Audience.RESIDENT) for _ in range(1)]
    assert a == b


def test_demo_dates_follow_the_day_it_is_loaded():
    later = dt.date(2031, 7, 1)
    for doc in demo_documents(later):
        opens, closes = dt.date.fromisoformat(doc["opens_on"]), dt.date.fromisoformat(doc["closes_on"])
        assert opens < closes
        assert (closes - later).days == doc["closes_in_days"]
        if doc["status"] == "open":
            assert opens <= later < closes
        else:
            assert closes < later
        for r in doc["responses"]:
            assert opens <= dt.datetime.fromisoformat(r["submitted_at"]).date() <= closes


def _load_and_check_every_journey(sessions, settings) -> dict[str, int]:  # type: ignore[no-untyped-def]
    load_demo(sessions, settings.spacy_model)
    with sessions() as s:
        by_slug = {c.slug: c for c in s.scalars(select(Consultation))}
        kinds = lambda slug: set(  # noqa: E731
            s.scalars(select(Question.kind).where(Question.consultation_id == by_slug[slug].id))
        )
        stocktake = by_slug["anti-racism-stocktake-2026"]
        assert kinds(stocktake.slug) >= {QuestionKind.AGREEMENT, QuestionKind.FREE_TEXT, QuestionKind.MULTIPLE_CHOICE}
        assert stocktake.closes_on is not None and stocktake.closes_on > dt.date.today()
        assert by_slug["youth-parliament-priorities-2027"].young_people
        nominations = by_slug["name-the-new-library"]
        assert nominations.kind == "proposals"
        supported = s.scalars(select(Proposal.supporters).where(Proposal.consultation_id == nominations.id)).all()
        assert len(supported) >= 5 and min(supported) >= 1
        # Forums: threads with replies, one post waiting for a moderator, one reported.
        posts_per_thread = s.execute(select(ForumPost.thread_id, func.count()).group_by(ForumPost.thread_id)).all()
        assert s.scalar(select(func.count(ForumThread.id))) >= 3 and max(n for _, n in posts_per_thread) >= 2
        assert s.scalar(select(func.count()).where(ForumPost.status == "pending")) >= 1
        assert s.scalar(select(func.count(PostReport.id))) >= 1
        # The closed consultation has model themes for the board; the published one has commitments.
        closed_themes = s.scalar(
            select(func.count(Theme.id))
            .join(Question, Question.id == Theme.question_id)
            .where(Question.consultation_id == by_slug["listening-to-parents"].id)
        )
        assert closed_themes >= 3
        states = set(s.scalars(select(Commitment.status)))
        assert len(states) >= 3
        # Flagged comments reach the queues through the pipeline, not by hand.
        flags = [
            f["kind"]
            for fl in s.scalars(
                select(Answer.flags)
                .join(Response, Response.id == Answer.response_id)
                .where(Response.consultation_id == by_slug["listening-to-parents"].id, Answer.flags.is_not(None))
            )
            for f in fl or []
        ]
        assert "safeguarding" in flags and len(set(flags)) >= 2
        assert {r for r in s.scalars(select(StaffUser.role))} == set(Role)
        ids = {slug: c.id for slug, c in by_slug.items()}
    return ids


def test_demo_has_every_journey_and_every_printed_login_opens_its_pages(client, sessions, settings, nlp):
    ids = _load_and_check_every_journey(sessions, settings)
    closed = ids["listening-to-parents"]
    pages = {
        "admin": ["/staff", f"/staff/consultations/{closed}/board"],
        "officer": ["/staff", f"/staff/consultations/{closed}/board"],
        "coalition_member": ["/staff", f"/staff/consultations/{closed}/board"],
        "moderator": ["/staff", "/staff/moderation", f"/staff/consultations/{closed}/flags"],
        "safeguarding_lead": ["/staff", f"/staff/consultations/{closed}/flags"],
    }
    logins = staff_logins()
    assert {role for role, _, _ in logins} == {r.value for r in Role}
    for role, email, password in logins:
        client.cookies.clear()
        signed_in = form_post(client, "/staff/login", "/staff/login", {"email": email, "password": password})
        assert signed_in.status_code == 200 and "Sign in" not in signed_in.text.split("<h1", 1)[1][:200], role
        for url in pages[role]:
            page = client.get(url)
            assert page.status_code == 200, (role, url)
            if url.endswith("/flags"):
                # The child's disclosure is for the safeguarding lead's eyes only.
                assert ("step dad hits me" in page.text) == (role == "safeguarding_lead"), role
            if url == "/staff/moderation":
                assert "canal path" in page.text  # the youth forum post waiting for approval


def test_resident_answers_an_open_demo_consultation_from_the_home_page(client, sessions, settings, nlp):
    load_demo(sessions, settings.spacy_model)
    home = client.get("/")
    link = re.search(r'href="(/consultations/anti-racism-stocktake-2026)"', home.text)
    assert link, "the open consultation is not on the home page"
    start = client.get(link.group(1))
    respond_url = re.search(r'href="([^"]*/respond)"', start.text).group(1)
    form = client.get(respond_url)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.text))
    with sessions() as s:
        questions = s.scalars(
            select(Question)
            .join(Consultation)
            .where(Consultation.slug == "anti-racism-stocktake-2026")
            .order_by(Question.position)
        ).all()
        before = s.scalar(select(func.count(Response.id)))
    answers = {**hidden, "audience": "resident"}
    for q in questions:
        if q.kind == QuestionKind.AGREEMENT:
            answers[f"q{q.id}"] = "Agree"
        elif q.kind == QuestionKind.FREE_TEXT:
            answers[f"q{q.id}"] = "The youth parliament is a good start."
        else:
            answers[f"q{q.id}"] = [q.options[0]]
    check = client.post(respond_url, data=answers)
    assert check.status_code == 200 and "Check your answers" in check.text
    sent = client.post(respond_url, data={**answers, "action": "submit"})
    assert sent.status_code == 200 and re.search(r'data-testid="reference">([A-Z0-9-]+)<', sent.text)
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == before + 1
