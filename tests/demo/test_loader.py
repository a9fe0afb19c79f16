from __future__ import annotations

from sqlalchemy import func, select

from engage.demo.loader import DEMO_LOGIN, demo_documents, load_demo
from engage.models import Answer, Consultation, PopulationShare, QuestionKind, StaffUser, Theme, ThemeAssignment


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
    assert len(first) == 3 and first[0].startswith("population:")
    with sessions() as s:
        statuses = dict(s.execute(select(Consultation.slug, Consultation.status)).all())
        assert statuses == {"review-rename-reclaim": "published", "listening-to-parents": "closed"}
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
