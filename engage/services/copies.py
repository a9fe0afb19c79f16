"""A resident's own copy of the response they just sent, to print, download or have emailed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engage.models import Consultation, Question, Response
from engage.services.errors import NotFound


@dataclass(frozen=True)
class Copy:
    consultation_title: str
    reference: str
    submitted_at: dt.datetime
    audience: str
    rows: list[tuple[str, list[str]]]  # (question, answer lines), in the questions' order


def for_reference(db: Session, slug: str, reference: str) -> Copy:
    """The response with this reference (which only its sender has, from their session)."""
    response = db.scalar(
        select(Response)
        .join(Consultation, Consultation.id == Response.consultation_id)
        .where(Response.reference == reference, Consultation.slug == slug)
        .options(selectinload(Response.answers))
    )
    if response is None:
        raise NotFound(reference)  # erased since, for example
    consultation = db.get(Consultation, response.consultation_id)
    assert consultation is not None
    questions = db.scalars(
        select(Question).where(Question.consultation_id == consultation.id).order_by(Question.position, Question.id)
    ).all()
    given = {a.question_id: a for a in response.answers}
    rows: list[tuple[str, list[str]]] = []
    for q in questions:
        answer = given.get(q.id)
        if answer is None:
            rows.append((q.text, []))
        elif answer.choices is not None:
            rows.append((q.text, [str(c) for c in answer.choices]))
        else:
            rows.append((q.text, [answer.text or ""]))
    return Copy(consultation.title, response.reference, response.submitted_at, str(response.audience), rows)


def as_text(copy: Copy, audience_label: str, not_answered: str = "Not answered") -> str:
    """The copy as plain text: for the download and the email."""
    lines = [
        copy.consultation_title,
        f"Reference number: {copy.reference}",
        f"Sent: {copy.submitted_at:%d %B %Y %H:%M} (UTC)",
        "",
        "Which of these best describes you?",
        audience_label,
        "",
    ]
    for question, answer in copy.rows:
        lines.append(question)
        lines.extend(answer or [not_answered])
        lines.append("")
    return "\n".join(lines)
