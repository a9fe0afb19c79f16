"""Storing residents' responses, exactly once, and listing them for staff."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from engage.models import (
    Answer,
    Audience,
    Channel,
    Consultation,
    EqualityAnswers,
    QuestionKind,
    Response,
    Status,
    council_today,
    status_on,
)
from engage.services.consultations import ResponseFormSpec
from engage.services.errors import Conflict

_CONSULTATIONS = cast(Table, Consultation.__table__)
_RESPONSES = cast(Table, Response.__table__)
_ANSWERS = cast(Table, Answer.__table__)
_EQUALITY = cast(Table, EqualityAnswers.__table__)

# Built once: the hottest write in the app (bench/submissions.py, ADR 0008) then spends nothing on
# constructing statements or their cache keys. `idempotency_key = NULL` is never true, so a
# submission without a key is never taken for a repeat.
_CHECK = select(
    select(_RESPONSES.c.reference).where(_RESPONSES.c.idempotency_key == bindparam("key")).scalar_subquery(),
    _CONSULTATIONS.c.status,
    _CONSULTATIONS.c.opens_on,
    _CONSULTATIONS.c.closes_on,
).where(_CONSULTATIONS.c.id == bindparam("consultation_id"))
_INSERT_RESPONSE = insert(_RESPONSES).returning(_RESPONSES.c.id)
_INSERT_ANSWERS = insert(_ANSWERS)
_INSERT_AGE_BAND = insert(_EQUALITY)

# Crockford-style alphabet without look-alikes (0/O, 1/I/L, U) so references read out clearly.
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def new_reference() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def scoped_key(idempotency_key: str | None, consultation_id: int, channel: Channel) -> str | None:
    """What is stored for a submission's key: the key bound to what it protects (one consultation,
    one channel). The same key sent with another form (a forum post carrying a survey response's
    key) is then a different key, and can never fetch, or publish, the other submission."""
    if not idempotency_key:
        return None
    material = f"engage.idempotency\x1f{consultation_id}\x1f{channel.value}\x1f{idempotency_key}"
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class Receipt:
    reference: str
    created: bool  # False when this was a repeat of a submission already stored


def _check(db: Session, idempotency_key: str | None, consultation_id: int) -> Any:
    """(reference stored under this idempotency key or None, the consultation's status), or None
    when the consultation is gone."""
    return db.connection().execute(_CHECK, {"key": idempotency_key, "consultation_id": consultation_id}).first()


def submit(
    db: Session,
    consultation: Consultation | ResponseFormSpec,
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
    idempotency_key = scoped_key(idempotency_key, consultation.id, channel)
    # One round trip for both checks. The status is read in this (write) transaction: the
    # consultation may have been read in an earlier one, and no response may slip in after it closed.
    row = _check(db, idempotency_key, consultation.id)
    if row is None:
        raise Conflict("This consultation no longer exists")
    if row[0]:
        return Receipt(row[0], created=False)
    # The status as of today: a consultation past its closing date takes nothing more online.
    if channel == Channel.ONLINE and status_on(row[1], row[2], row[3], council_today()) != Status.OPEN:
        raise Conflict("This consultation is not open for responses")
    kinds = {q.id: q.kind for q in consultation.questions}
    answer_rows: list[dict[str, Any]] = []
    for question_id, value in answers.items():
        if value in (None, "", []):
            continue
        if kinds[question_id] == QuestionKind.MULTIPLE_CHOICE:
            answer_rows.append({"question_id": question_id, "text": None, "choices": list(value)})
        else:
            answer_rows.append({"question_id": question_id, "text": str(value), "choices": None})
    # Core inserts, not the ORM's unit of work: this is the hottest write in the app (see
    # bench/submissions.py), and nothing here needs the objects back.
    for _attempt in range(5):
        reference = new_reference()
        conn = db.connection()
        try:
            response_id = conn.execute(
                _INSERT_RESPONSE,
                {
                    "consultation_id": consultation.id,
                    "reference": reference,
                    "channel": channel,
                    "audience": audience,
                    "idempotency_key": idempotency_key,
                    "session_id": session_id,
                },
            ).scalar_one()
            if answer_rows:
                conn.execute(_INSERT_ANSWERS, [{**a, "response_id": response_id} for a in answer_rows])
            if age_band:
                conn.execute(_INSERT_AGE_BAND, {"response_id": response_id, "age_band": age_band})
            db.commit()
            return Receipt(reference, created=True)
        except IntegrityError:
            db.rollback()
            if idempotency_key:
                again = _check(db, idempotency_key, consultation.id)
                if again is not None and again[0]:  # a concurrent request with the same key won the race
                    return Receipt(again[0], created=False)
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
