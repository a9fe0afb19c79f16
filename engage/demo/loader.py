"""`engage demo`: two consultations modelled on London boroughs' anti-racism work, themed.

Loading is idempotent: a consultation whose slug already exists is left as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engage import nlp_runtime
from engage.equality import PREFER_NOT_TO_SAY
from engage.models import (
    Answer,
    Audience,
    Channel,
    Consultation,
    EqualityAnswers,
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
from engage.services import insight, responses, theming

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
        if insight.load_demo_population(db):
            lines.append("population: loaded the demo borough's census figures")
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
    demo_equality: list[Response] = []
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
        demo_equality.append(response)
    db.flush()
    rng = random.Random(f"{doc['slug']}-equality")  # noqa: S311 - demo data, the same on every load
    for response in demo_equality:
        values = equality_answers_for(rng, response.audience)
        if values is not None:
            db.add(EqualityAnswers(response_id=response.id, **values))
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


# Who answers the equality questions in the demo: about 60% of respondents, with a mix like the
# people who take part in an inner London borough's consultations (not like its population:
# White and older residents are over-represented, as they usually are).
EQUALITY_RESPONSE_RATE = 0.6
_ETHNIC = [
    (
        "White",
        0.56,
        [
            ("English, Welsh, Scottish, Northern Irish or British", 0.68),
            ("Irish", 0.06),
            ("Gypsy or Irish Traveller", 0.01),
            ("Roma", 0.01),
            ("Any other White background", 0.24),
        ],
    ),
    (
        "Black, Black British, Black Welsh, Caribbean or African",
        0.19,
        [
            ("African", 0.52),
            ("Caribbean", 0.40),
            ("Any other Black, Black British or Caribbean background", 0.08),
        ],
    ),
    (
        "Asian, Asian British or Asian Welsh",
        0.10,
        [
            ("Bangladeshi", 0.2),
            ("Chinese", 0.12),
            ("Indian", 0.3),
            ("Pakistani", 0.13),
            ("Any other Asian background", 0.25),
        ],
    ),
    (
        "Mixed or Multiple ethnic groups",
        0.07,
        [
            ("White and Asian", 0.25),
            ("White and Black African", 0.15),
            ("White and Black Caribbean", 0.35),
            ("Any other Mixed or Multiple ethnic background", 0.25),
        ],
    ),
    ("Other ethnic group", 0.04, [("Arab", 0.4), ("Any other ethnic group", 0.6)]),
    (PREFER_NOT_TO_SAY, 0.04, []),
]
_AGES = {
    Audience.YOUNG_PERSON: [("Under 13", 0.2), ("13 to 15", 0.5), ("16 to 17", 0.3)],
    Audience.PARENT: [
        ("25 to 34", 0.28),
        ("35 to 44", 0.45),
        ("45 to 54", 0.2),
        ("55 to 64", 0.04),
        (PREFER_NOT_TO_SAY, 0.03),
    ],
    None: [
        ("18 to 24", 0.07),
        ("25 to 34", 0.18),
        ("35 to 44", 0.18),
        ("45 to 54", 0.17),
        ("55 to 64", 0.16),
        ("65 to 74", 0.13),
        ("75 or over", 0.08),
        (PREFER_NOT_TO_SAY, 0.03),
    ],
}
_SEX = [("Female", 0.56), ("Male", 0.41), (PREFER_NOT_TO_SAY, 0.03)]
_DISABILITY = [("Yes, limited a lot", 0.08), ("Yes, limited a little", 0.12), ("No", 0.75), (PREFER_NOT_TO_SAY, 0.05)]


def _pick(rng: random.Random, options: list[tuple[Any, float]]) -> Any:
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]


def equality_answers_for(rng: random.Random, audience: Audience) -> dict[str, str | None] | None:
    """One respondent's equality answers, or None for the ~40% who skip the equality questions."""
    if rng.random() >= EQUALITY_RESPONSE_RATE:
        return None
    broad, _, details = _ETHNIC[_pick(rng, [(i, e[1]) for i, e in enumerate(_ETHNIC)])]
    return {
        "ethnic_group": broad,
        "ethnic_group_detail": _pick(rng, details) if details else None,
        "age_band": _pick(rng, _AGES.get(audience, _AGES[None])),
        "sex": _pick(rng, _SEX),
        "disability": _pick(rng, _DISABILITY),
    }
