"""Erasure by reference number: residents ask, officers erase.

A request stores the reference only while it is pending; the audit log records a keyed hash of it
(never the reference or the words). Erasing deletes the response and everything that cascades
from it in the database (answers, theme assignments, contact details, equality answers, a forum
post or proposal made with it) and removes quotes and examples on themes taken from its words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engage import crypto
from engage.models import (
    Answer,
    Channel,
    Consultation,
    ErasureRequest,
    ErasureStatus,
    Response,
    Theme,
    utcnow,
)
from engage.services import audit
from engage.services.errors import Conflict, NotFound, ValidationFailed
from engage.services.responses import _ALPHABET

PURPOSE = "erasure-reference"
FORMAT_ERROR = "Enter a reference number in the correct format, like ABCD-EFGH"
NO_MATCH = "No response has this reference number"


def normalise(raw: str) -> str | None:
    """ "abcd efgh", "ABCD-EFGH" and "abcdefgh" are the same reference; None if it cannot be one."""
    compact = "".join(ch for ch in raw.upper() if ch not in " -\t")
    if len(compact) != 8 or any(ch not in _ALPHABET for ch in compact):
        return None
    return f"{compact[:4]}-{compact[4:]}"


def reference_hash(secret_key: str, reference: str) -> str:
    return crypto.keyed_hash(secret_key, PURPOSE, reference)


def request_erasure(db: Session, secret_key: str, raw: str) -> None:
    """Store a resident's request. It says nothing about whether the reference exists."""
    reference = normalise(raw)
    if reference is None:
        raise ValidationFailed({"reference": FORMAT_ERROR})
    digest = reference_hash(secret_key, reference)
    already = db.scalar(
        select(ErasureRequest.id).where(
            ErasureRequest.reference_hash == digest, ErasureRequest.status == ErasureStatus.PENDING
        )
    )
    if already is None:
        req = ErasureRequest(reference=reference, reference_hash=digest)
        db.add(req)
        db.flush()
        audit.record(db, None, "erasure.requested", "erasure_request", req.id)
    db.commit()


@dataclass(frozen=True)
class Found:
    response_id: int
    reference: str
    consultation_title: str
    channel: Channel
    submitted_at: dt.datetime
    answers: int


@dataclass(frozen=True)
class PendingRequest:
    id: int
    reference: str
    created_at: dt.datetime
    found: Found | None


def find(db: Session, raw: str) -> Found | None:
    reference = normalise(raw)
    if reference is None:
        raise ValidationFailed({"reference": FORMAT_ERROR})
    row = db.execute(
        select(Response, Consultation.title)
        .join(Consultation, Consultation.id == Response.consultation_id)
        .where(Response.reference == reference)
    ).first()
    if row is None:
        return None
    response, title = row
    answers = db.scalar(select(func.count()).where(Answer.response_id == response.id)) or 0
    return Found(response.id, response.reference, title, response.channel, response.submitted_at, answers)


def pending(db: Session) -> list[PendingRequest]:
    out = []
    for req in db.scalars(
        select(ErasureRequest)
        .where(ErasureRequest.status == ErasureStatus.PENDING)
        .order_by(ErasureRequest.created_at, ErasureRequest.id)
    ):
        reference = req.reference or ""
        out.append(PendingRequest(req.id, reference, req.created_at, find(db, reference) if reference else None))
    return out


def _drop_quotes(db: Session, answers: list[Answer]) -> int:
    """Remove theme quotes and examples taken from these answers' words."""
    words = [w for a in answers for w in (a.text, a.redacted) if w]
    question_ids = {a.question_id for a in answers}
    if not words or not question_ids:
        return 0
    removed = 0
    for theme in db.scalars(select(Theme).where(Theme.question_id.in_(question_ids))):
        for attr in ("quotes", "examples"):
            kept = [q for q in getattr(theme, attr) or [] if not any(q.strip() and q.strip() in w for w in words)]
            if len(kept) != len(getattr(theme, attr) or []):
                removed += len(getattr(theme, attr)) - len(kept)
                setattr(theme, attr, kept)
    return removed


@dataclass(frozen=True)
class Erased:
    consultation_title: str
    answers: int


def erase(db: Session, secret_key: str, actor_id: int, raw: str, request_id: int | None = None) -> Erased:
    reference = normalise(raw)
    if reference is None:
        raise ValidationFailed({"reference": FORMAT_ERROR})
    found = find(db, reference)
    if found is None:
        raise ValidationFailed({"reference": NO_MATCH})
    response = db.get(Response, found.response_id)
    assert response is not None
    answers = list(db.scalars(select(Answer).where(Answer.response_id == response.id)))
    quotes = _drop_quotes(db, answers)
    # The database cascades: answers, assignments, rejections, moderation, contacts, equality answers,
    # proposals and their supports, forum posts and their reports.
    db.execute(delete(Response).where(Response.id == response.id))
    digest = reference_hash(secret_key, reference)
    now = utcnow()
    requests = list(
        db.scalars(
            select(ErasureRequest).where(
                ErasureRequest.reference_hash == digest, ErasureRequest.status == ErasureStatus.PENDING
            )
        )
    )
    for req in requests:
        req.status, req.reference, req.resolved_at, req.resolved_by_id = ErasureStatus.ERASED, None, now, actor_id
    audit.record(
        db,
        actor_id,
        "response.erased",
        "response",
        response.id,
        reference_hash=digest,
        consultation_id=response.consultation_id,
        answers=len(answers),
        quotes_removed=quotes,
        requests=[r.id for r in requests],
        requested=request_id is not None,
    )
    db.commit()
    return Erased(found.consultation_title, len(answers))


def erase_request(db: Session, secret_key: str, actor_id: int, request_id: int) -> Erased:
    req = db.get(ErasureRequest, request_id)
    if req is None:
        raise NotFound(str(request_id))
    if req.status != ErasureStatus.PENDING or not req.reference:
        raise Conflict("This request has already been dealt with")
    return erase(db, secret_key, actor_id, req.reference, request_id=req.id)


def close_request(db: Session, actor_id: int, request_id: int) -> None:
    """Close a request without erasing (for example, when no response has its reference)."""
    req = db.get(ErasureRequest, request_id)
    if req is None:
        raise NotFound(str(request_id))
    if req.status != ErasureStatus.PENDING:
        raise Conflict("This request has already been dealt with")
    req.status, req.reference, req.resolved_at, req.resolved_by_id = ErasureStatus.CLOSED, None, utcnow(), actor_id
    audit.record(db, actor_id, "erasure.closed", "erasure_request", req.id)
    db.commit()
