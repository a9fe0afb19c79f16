"""Nominations and ideas: people propose something with a reason; others support proposals.

A proposals consultation has a free-text question for the reason. A proposal is stored as a
response (its reason an answer, so theming groups the reasons) plus a Proposal row with the
title and the count of supporters. Support needs no account: one per browser and one per email
address, each stored only as a keyed hash (HMAC), never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engage.models import (
    Answer,
    Audience,
    Consultation,
    ConsultationKind,
    Proposal,
    ProposalSupport,
    Question,
    QuestionKind,
    Response,
    Status,
)
from engage.services import audit, responses
from engage.services.errors import Conflict, NotFound, ValidationFailed

REASON_QUESTION = "Why does it matter?"


def reason_question(consultation: Consultation) -> Question:
    for q in consultation.questions:
        if q.kind == QuestionKind.FREE_TEXT:
            return q
    raise Conflict("This consultation has no free-text question for the reasons")


def add_reason_question(db: Session, consultation_id: int) -> None:
    """A new proposals consultation gets its reason question (officers can reword it)."""
    exists = db.scalar(
        select(Question.id).where(Question.consultation_id == consultation_id, Question.kind == QuestionKind.FREE_TEXT)
    )
    if exists is None:
        db.add(
            Question(
                consultation_id=consultation_id,
                position=1,
                kind=QuestionKind.FREE_TEXT,
                text=REASON_QUESTION,
                hint="Say why this matters to you and to the area",
                required=True,
            )
        )


@dataclass(frozen=True)
class ProposalView:
    id: int
    title: str
    supporters: int
    reason: str | None  # None until theming has checked it for personal details


def list_public(db: Session, consultation: Consultation) -> list[ProposalView]:
    rows = db.execute(
        select(Proposal.id, Proposal.title, Proposal.supporters, Answer.redacted)
        .join(Response, Response.id == Proposal.response_id)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Proposal.consultation_id == consultation.id, Proposal.hidden_reason.is_(None))
        .order_by(Proposal.supporters.desc(), Proposal.id)
    ).all()
    from engage.services.forums import hide_emails

    return [ProposalView(pid, hide_emails(title), n, reason) for pid, title, n, reason in rows]


def get_view(db: Session, consultation: Consultation, proposal_id: int) -> ProposalView:
    for p in list_public(db, consultation):
        if p.id == proposal_id:
            return p
    raise NotFound(str(proposal_id))


def propose(
    db: Session,
    consultation: Consultation,
    *,
    title: str,
    reason: str,
    audience: Audience,
    idempotency_key: str,
    age_band: str | None = None,
) -> responses.Receipt:
    if consultation.kind != ConsultationKind.PROPOSALS:
        raise Conflict("This consultation does not take proposals")
    title = " ".join(title.split())
    if not title:
        raise ValidationFailed({"title": "Enter your proposal"})
    question = reason_question(consultation)
    receipt = responses.submit(
        db,
        consultation,
        audience=audience,
        answers={question.id: reason},
        idempotency_key=idempotency_key,
        age_band=age_band,
    )
    response_id = db.scalar(select(Response.id).where(Response.reference == receipt.reference))
    if db.scalar(select(Proposal.id).where(Proposal.response_id == response_id)) is None:
        db.add(Proposal(consultation_id=consultation.id, response_id=response_id, title=title[:120]))
        try:
            db.commit()
        except IntegrityError:  # the same submission, twice at once
            db.rollback()
    else:
        db.commit()  # end the read transaction
    return receipt


def _hash(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SupportResult:
    supporters: int
    counted: bool  # False when this browser or email had already supported it


def support(db: Session, proposal_id: int, *, browser_id: str, email: str, key: bytes) -> SupportResult:
    """Count one support from this browser (and, once verified, this email address)."""
    email = email.strip().lower()
    return add_support(
        db,
        proposal_id,
        browser_hash=_hash(key, "browser", browser_id),
        email_hash=_hash(key, "email", email) if email else None,
    )


def support_hashes(key: bytes, browser_id: str, email: str) -> tuple[str, str]:
    """The keyed hashes a support is stored as: never the browser id or the address itself."""
    return _hash(key, "browser", browser_id), _hash(key, "email", email.strip().lower())


def add_support(db: Session, proposal_id: int, *, browser_hash: str, email_hash: str | None) -> SupportResult:
    proposal = db.get(Proposal, proposal_id)
    if proposal is None or proposal.hidden_reason is not None:
        raise NotFound(str(proposal_id))
    status = db.scalar(select(Consultation.status).where(Consultation.id == proposal.consultation_id))
    if status != Status.OPEN:
        raise Conflict("This consultation is not open")
    clauses = [ProposalSupport.browser_hash == browser_hash]
    if email_hash:
        clauses.append(ProposalSupport.email_hash == email_hash)
    from sqlalchemy import or_

    already = db.scalar(
        select(ProposalSupport.id).where(ProposalSupport.proposal_id == proposal_id, or_(*clauses)).limit(1)
    )
    if already is None:
        db.add(ProposalSupport(proposal_id=proposal_id, browser_hash=browser_hash, email_hash=email_hash))
        db.execute(update(Proposal).where(Proposal.id == proposal_id).values(supporters=Proposal.supporters + 1))
        try:
            db.commit()
        except IntegrityError:  # a double click that raced itself
            db.rollback()
        else:
            return SupportResult(_count(db, proposal_id), True)
    return SupportResult(_count(db, proposal_id), False)


def _count(db: Session, proposal_id: int) -> int:
    count = db.scalar(select(Proposal.supporters).where(Proposal.id == proposal_id)) or 0
    db.commit()  # end the read transaction
    return count


def staff_list(db: Session, consultation_id: int) -> list[Proposal]:
    return list(
        db.scalars(
            select(Proposal)
            .where(Proposal.consultation_id == consultation_id)
            .order_by(Proposal.supporters.desc(), Proposal.id)
        )
    )


def hide(db: Session, actor_id: int, proposal_id: int, reason: str) -> Proposal:
    proposal = db.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(str(proposal_id))
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": "Enter why you are hiding this proposal"})
    proposal.hidden_reason = reason[:2000]
    audit.record(db, actor_id, "proposal.hidden", "proposal", proposal_id, reason=reason[:2000])
    db.commit()
    return proposal
