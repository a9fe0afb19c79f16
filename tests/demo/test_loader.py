from __future__ import annotations

from sqlalchemy import func, select

from engage.demo.loader import DEMO_LOGIN, demo_documents, load_demo
from engage.models import Answer, Consultation, QuestionKind, StaffUser, Theme, ThemeAssignment


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
    assert len(first) == 2
    with sessions() as s:
        statuses = dict(s.execute(select(Consultation.slug, Consultation.status)).all())
        assert statuses == {"review-rename-reclaim": "published", "listening-to-parents": "closed"}
        assert s.scalar(select(func.count(Answer.id)).where(Answer.redacted.is_not(None))) >= 300
        assert s.scalar(select(func.count(Theme.id))) >= 10
        assert s.scalar(select(func.count(ThemeAssignment.id))) >= 300
        assert s.scalar(select(func.count(StaffUser.id)).where(StaffUser.email == DEMO_LOGIN[0])) == 1
        published = s.scalars(select(Theme).where(Theme.response_text != "")).all()
        assert len(published) >= 5


def test_demo_results_page(client, sessions, settings, nlp):
    load_demo(sessions, settings.spacy_model)
    page = client.get("/consultations/review-rename-reclaim/results")
    assert page.status_code == 200
    assert "What we will do" in page.text and "people" in page.text
