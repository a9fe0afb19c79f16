"""`engage demo`: two consultations modelled on London boroughs' anti-racism work, themed.

Loading is idempotent: a consultation whose slug already exists is left as it is.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engage import nlp_runtime
from engage.models import (
    Answer,
    Audience,
    Channel,
    Consultation,
    Question,
    QuestionKind,
    Response,
    Role,
    StaffUser,
    Status,
    Theme,
    ThemeOrigin,
    utcnow,
)
from engage.security import hash_password
from engage.services import responses, theming

DEMO_LOGIN = ("officer@northbridge.example", "northbridge-demo-2026")
DEMO_STAFF = [
    ("officer@northbridge.example", "Amara Okoye", Role.OFFICER),
    ("admin@northbridge.example", "Dan Whitfield", Role.ADMIN),
    ("coalition@northbridge.example", "Yusuf Demir", Role.COALITION_MEMBER),
    ("moderator@northbridge.example", "Priya Raman", Role.MODERATOR),
]
FILES = ["review-rename-reclaim.json", "listening-to-parents.json"]


def demo_documents() -> list[dict[str, Any]]:
    folder = resources.files("engage.demo")
    return [json.loads(folder.joinpath(name).read_text(encoding="utf-8")) for name in FILES]


def load_demo(sessions: sessionmaker[Session], spacy_model: str) -> list[str]:
    lines = []
    with sessions() as db:
        for email, name, role in DEMO_STAFF:
            if db.scalar(select(StaffUser.id).where(StaffUser.email == email)) is None:
                db.add(StaffUser(email=email, display_name=name, role=role, password_hash=hash_password(DEMO_LOGIN[1])))
        db.commit()
    for doc in demo_documents():
        with sessions() as db:
            if db.scalar(select(Consultation.id).where(Consultation.slug == doc["slug"])) is not None:
                lines.append(f"{doc['slug']}: already loaded")
                continue
            cid, n = create_from_document(db, doc)
        theming.theme_consultation(sessions, cid, nlp_runtime.load(spacy_model))
        if doc["status"] == "published":
            with sessions() as db:
                c = db.get(Consultation, cid)
                assert c is not None
                c.status = Status.PUBLISHED
                c.published_at = utcnow()
                db.commit()
        lines.append(f"{doc['slug']}: loaded {n} responses and themed them")
    return lines


def create_from_document(db: Session, doc: dict[str, Any]) -> tuple[int, int]:
    """Create a consultation, its questions, responses and any codebook from a demo document."""
    status = Status(doc["status"])
    c = Consultation(
        slug=doc["slug"],
        title=doc["title"],
        summary=doc["summary"],
        body=doc["body"],
        audiences=list(doc["audiences"]),
        # Responses go in while it is open; the final status is set after theming.
        status=Status.CLOSED if status == Status.PUBLISHED else status,
        opens_on=dt.date.fromisoformat(doc["opens_on"]),
        closes_on=dt.date.fromisoformat(doc["closes_on"]),
    )
    by_key: dict[str, Question] = {}
    for position, q in enumerate(doc["questions"], start=1):
        question = Question(
            position=position,
            kind=QuestionKind(q["kind"]),
            text=q["text"],
            hint=q.get("hint", ""),
            options=list(q.get("options", [])),
            required=bool(q.get("required")),
        )
        c.questions.append(question)
        by_key[q["key"]] = question
    db.add(c)
    db.flush()
    for r in doc["responses"]:
        response = Response(
            consultation_id=c.id,
            reference=responses.new_reference(),
            channel=Channel(r["channel"]),
            audience=Audience(r["audience"]),
            submitted_at=dt.datetime.fromisoformat(r["submitted_at"]),
        )
        for key, value in r["answers"].items():
            q = by_key[key]
            if q.kind == QuestionKind.MULTIPLE_CHOICE:
                response.answers.append(Answer(question_id=q.id, choices=list(value)))
            else:
                response.answers.append(Answer(question_id=q.id, text=str(value)))
        db.add(response)
    codebook = doc.get("codebook") or []
    if codebook:
        # The published demo shows the officers' curated codebook applied to the "why" answers.
        first_free = next(q for q in by_key.values() if q.kind == QuestionKind.FREE_TEXT)
        for position, t in enumerate(codebook, start=1):
            db.add(
                Theme(
                    question_id=first_free.id,
                    key=t["id"],
                    name=t["name"],
                    description=t["description"],
                    examples=list(t["examples"]),
                    origin=ThemeOrigin.OFFICER,
                    response_text=t["response"],
                    position=position,
                )
            )
    db.commit()
    return c.id, len(doc["responses"])
