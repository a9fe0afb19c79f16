"""Factories for test data: realistic defaults, any field overridable."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from engage.models import (
    Answer,
    AssignmentSource,
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
    ThemeAssignment,
    ThemeOrigin,
)
from engage.security import hash_password
from engage.services.responses import new_reference

_seq = itertools.count(1)
_PASSWORD_HASH = None


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        from tests.conftest import TEST_PASSWORD

        _PASSWORD_HASH = hash_password(TEST_PASSWORD)
    return _PASSWORD_HASH


def make_staff(db: Session, role: str = "officer", **kw: Any) -> StaffUser:
    n = next(_seq)
    user = StaffUser(
        email=kw.pop("email", f"staff{n}@northbridge.example"),
        display_name=kw.pop("display_name", f"Staff Member {n}"),
        password_hash=_password_hash(),
        role=Role(role),
        **kw,
    )
    db.add(user)
    db.commit()
    return user


def make_consultation(
    db: Session, *, status: str = "open", questions: list[dict[str, Any]] | None = None, **kw: Any
) -> Consultation:
    n = next(_seq)
    c = Consultation(
        slug=kw.pop("slug", f"naming-review-{n}"),
        title=kw.pop("title", f"Review, Rename, Reclaim {n}"),
        summary=kw.pop("summary", "Help us review street names linked to slavery."),
        body=kw.pop("body", "We want to hear from everyone.\n\nWe will publish what we heard."),
        audiences=kw.pop("audiences", ["resident", "parent", "young_person", "other"]),
        status=Status(status),
        # Around today: a consultation follows its dates (an "open" one past its closing date is closed).
        opens_on=kw.pop("opens_on", dt.date.today() - dt.timedelta(days=30)),
        closes_on=kw.pop("closes_on", dt.date.today() + dt.timedelta(days=60)),
        **kw,
    )
    specs = (
        questions
        if questions is not None
        else [
            {"kind": "agreement", "text": "The council should review names linked to slavery", "required": True},
            {"kind": "free_text", "text": "Why do you feel that way?", "required": True},
            {
                "kind": "multiple_choice",
                "text": "How should residents be involved?",
                "options": ["Online vote", "Workshops", "Schools"],
            },
        ]
    )
    for position, spec in enumerate(specs, start=1):
        c.questions.append(
            Question(
                position=position,
                kind=QuestionKind(spec["kind"]),
                text=spec["text"],
                hint=spec.get("hint", ""),
                options=spec.get("options", []),
                required=spec.get("required", False),
            )
        )
    db.add(c)
    db.commit()
    return c


def make_response(db: Session, consultation: Consultation, answers: dict[int, Any], **kw: Any) -> Response:
    r = Response(
        consultation_id=consultation.id,
        reference=kw.pop("reference", new_reference()),
        channel=Channel(kw.pop("channel", "online")),
        audience=Audience(kw.pop("audience", "resident")),
        **kw,
    )
    for qid, value in answers.items():
        if isinstance(value, list):
            r.answers.append(Answer(question_id=qid, choices=value))
        else:
            r.answers.append(Answer(question_id=qid, text=value))
    db.add(r)
    db.commit()
    return r


def make_theme(db: Session, question: Question, *, answers: list[Answer] | None = None, **kw: Any) -> Theme:
    n = next(_seq)
    theme = Theme(
        question_id=question.id,
        key=kw.pop("key", f"theme-{n}"),
        name=kw.pop("name", f"Theme {n}"),
        origin=ThemeOrigin(kw.pop("origin", "model")),
        **kw,
    )
    db.add(theme)
    db.flush()
    for a in answers or []:
        db.add(ThemeAssignment(theme_id=theme.id, answer_id=a.id, confidence=0.9, source=AssignmentSource.MODEL))
    db.commit()
    return theme


def make_comments(
    db: Session,
    consultation: Consultation,
    texts: list[str],
    *,
    question: Question | None = None,
    stance: str | None = "neutral",
    flags: list[dict[str, str]] | None = None,
    **kw: Any,
) -> list[Answer]:
    """Free-text answers as theming leaves them: redacted (here, unchanged), with a stance and flags."""
    from sqlalchemy import select

    q = question or next(q for q in consultation.questions if q.kind == QuestionKind.FREE_TEXT)
    out = []
    for text in texts:
        r = make_response(db, consultation, {q.id: text}, **kw)
        answer = db.scalars(select(Answer).where(Answer.response_id == r.id)).one()
        answer.redacted = text
        answer.stance = stance
        answer.flags = list(flags or [])
        out.append(answer)
    db.commit()
    return out


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8") -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_proposals_consultation(db: Session, **kw: Any) -> Consultation:
    return make_consultation(
        db,
        kind=kw.pop("kind", "proposals"),
        title=kw.pop("title", "Name the new square"),
        questions=[{"kind": "free_text", "text": "Why does it matter?", "required": True}],
        **kw,
    )


def make_proposal(db: Session, consultation: Consultation, title: str = "Olive Morris Square", **kw: Any) -> Any:
    from engage.models import Proposal

    response = make_response(db, consultation, {consultation.questions[0].id: kw.pop("reason", "She fought for us")})
    proposal = Proposal(consultation_id=consultation.id, response_id=response.id, title=title, **kw)
    db.add(proposal)
    db.commit()
    return proposal
