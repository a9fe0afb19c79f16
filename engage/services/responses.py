"""Storing residents' responses, exactly once, and listing them for staff."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from engage.models import Answer, Audience, Channel, Consultation, EqualityAnswers, QuestionKind, Response, Status
from engage.services.errors import Conflict

# Crockford-style alphabet without look-alikes (0/O, 1/I/L, U) so references read out clearly.
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def new_reference() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Receipt:
    reference: str
    created: bool  # False when this was a repeat of a submission already stored


def submit(
    db: Session,
    consultation: Consultation,
    *,
    audience: Audience,
    answers: dict[int, Any],
    idempotency_key: str | None,
    channel: Channel = Channel.ONLINE,
    age_band: str | None = None,
    session_id: int | None = None,
) -> Receipt:
    """Store one response and its answers in a single transaction.

    A second submit with the same idempotency key (double click, browser retry) finds
    the response the first one stored instead of creating another. An age band asked before
    the questions (consultations for young people) is stored apart, with the equality answers.
    """
    if idempotency_key:
        existing = db.scalar(select(Response.reference).where(Response.idempotency_key == idempotency_key))
        if existing:
            return Receipt(existing, created=False)
    if consultation.status != Status.OPEN and channel == Channel.ONLINE:
        raise Conflict("This consultation is not open for responses")
    kinds = {q.id: q.kind for q in consultation.questions}
    for _attempt in range(5):
        response = Response(
            consultation_id=consultation.id,
            reference=new_reference(),
            channel=channel,
            audience=audience,
            idempotency_key=idempotency_key,
            session_id=session_id,
        )
        for question_id, value in answers.items():
            if value in (None, "", []):
                continue
            if kinds[question_id] == QuestionKind.MULTIPLE_CHOICE:
                response.answers.append(Answer(question_id=question_id, choices=list(value)))
            else:
                response.answers.append(Answer(question_id=question_id, text=str(value)))
        db.add(response)
        try:
            if age_band:
                db.flush()
                db.add(EqualityAnswers(response_id=response.id, age_band=age_band))
            db.commit()
            return Receipt(response.reference, created=True)
        except IntegrityError:
            db.rollback()
            if idempotency_key:
                existing = db.scalar(select(Response.reference).where(Response.idempotency_key == idempotency_key))
                if existing:  # a concurrent request with the same key won the race
                    return Receipt(existing, created=False)
            # Otherwise the random reference collided: try another.
    raise RuntimeError("Could not allocate a unique reference number")


@dataclass(frozen=True)
class ResponsePage:
    responses: list[Response]
    page: int
    pages: int
    total: int


PAGE_SIZE = 25


def list_responses(db: Session, consultation_id: int, page: int = 1) -> ResponsePage:
    total = db.scalar(select(func.count(Response.id)).where(Response.consultation_id == consultation_id)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    responses = list(
        db.scalars(
            select(Response)
            .where(Response.consultation_id == consultation_id)
            .options(selectinload(Response.answers))
            .order_by(Response.submitted_at.desc(), Response.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return ResponsePage(responses, page, pages, total)


def count_responses(db: Session, consultation_id: int) -> int:
    return db.scalar(select(func.count(Response.id)).where(Response.consultation_id == consultation_id)) or 0
