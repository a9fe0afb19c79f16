"""Commitments: what the council said it will do, who owns it, by when, and how it is going.

Every status change is kept (commitment_events) and shown publicly, so residents can hold the
council to account; a dropped commitment must say why.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.models import (
    Commitment,
    CommitmentEvent,
    CommitmentStatus,
    Consultation,
    Question,
    Status,
    Theme,
)
from engage.services import audit
from engage.services.errors import NotFound, ValidationFailed

LABELS = {
    CommitmentStatus.PLANNED: "Planned",
    CommitmentStatus.IN_PROGRESS: "In progress",
    CommitmentStatus.DONE: "Done",
    CommitmentStatus.DROPPED: "Dropped",
}
TAGS = {
    CommitmentStatus.PLANNED: "govuk-tag--grey",
    CommitmentStatus.IN_PROGRESS: "govuk-tag--blue",
    CommitmentStatus.DONE: "govuk-tag--green",
    CommitmentStatus.DROPPED: "govuk-tag--red",
}


@dataclass(frozen=True)
class CommitmentView:
    commitment: Commitment
    theme_name: str | None
    consultation_title: str
    consultation_slug: str
    events: list[CommitmentEvent]


def _views(db: Session, commitments: list[Commitment]) -> list[CommitmentView]:
    ids = [c.id for c in commitments]
    events: dict[int, list[CommitmentEvent]] = defaultdict(list)
    for e in db.scalars(
        select(CommitmentEvent)
        .where(CommitmentEvent.commitment_id.in_(ids))
        .order_by(CommitmentEvent.at, CommitmentEvent.id)
    ):
        events[e.commitment_id].append(e)
    themes = dict(
        db.execute(
            select(Theme.id, Theme.name).where(Theme.id.in_([c.theme_id for c in commitments if c.theme_id]))
        ).all()
    )
    consultations = {
        c.id: c
        for c in db.scalars(select(Consultation).where(Consultation.id.in_({c.consultation_id for c in commitments})))
    }
    return [
        CommitmentView(
            c,
            themes.get(c.theme_id) if c.theme_id else None,
            consultations[c.consultation_id].title,
            consultations[c.consultation_id].slug,
            events[c.id],
        )
        for c in commitments
    ]


def for_consultation(db: Session, consultation_id: int) -> list[CommitmentView]:
    rows = db.scalars(
        select(Commitment)
        .where(Commitment.consultation_id == consultation_id)
        .order_by(Commitment.due_on, Commitment.id)
    ).all()
    return _views(db, list(rows))


def public_all(db: Session) -> list[CommitmentView]:
    """Every commitment of every consultation whose results are published."""
    rows = db.scalars(
        select(Commitment)
        .join(Consultation, Consultation.id == Commitment.consultation_id)
        .where(Consultation.status == Status.PUBLISHED)
        .order_by(Consultation.published_at.desc(), Commitment.due_on, Commitment.id)
    ).all()
    return _views(db, list(rows))


def get(db: Session, commitment_id: int) -> CommitmentView:
    c = db.get(Commitment, commitment_id)
    if c is None:
        raise NotFound(str(commitment_id))
    return _views(db, [c])[0]


def _validate(title: str, owner: str, due_on: str) -> tuple[str, str, dt.date]:
    errors = {}
    title, owner = " ".join(title.split()), " ".join(owner.split())
    if not title:
        errors["title"] = "Enter what the council will do"
    elif len(title) > 300:
        errors["title"] = "The commitment must be 300 characters or fewer"
    if not owner:
        errors["owner"] = "Enter who owns this commitment (a team or a role)"
    elif len(owner) > 200:
        errors["owner"] = "The owner must be 200 characters or fewer"
    due: dt.date | None = None
    try:
        due = dt.date.fromisoformat(due_on)
    except ValueError:
        errors["due_on"] = "Enter the due date as a real date, for example 2027-03-31"
    if errors:
        raise ValidationFailed(errors)
    assert due is not None
    return title, owner, due


def create(
    db: Session, actor_id: int, consultation_id: int, title: str, owner: str, due_on: str, theme_id: int | None = None
) -> Commitment:
    if db.get(Consultation, consultation_id) is None:
        raise NotFound(str(consultation_id))
    title, owner, due = _validate(title, owner, due_on)
    if theme_id is not None:
        ok = db.scalar(
            select(Theme.id)
            .join(Question, Question.id == Theme.question_id)
            .where(Theme.id == theme_id, Question.consultation_id == consultation_id)
        )
        if ok is None:
            raise ValidationFailed({"theme": "Choose a theme from this consultation"})
    c = Commitment(consultation_id=consultation_id, theme_id=theme_id, title=title, owner=owner, due_on=due)
    db.add(c)
    db.flush()
    db.add(CommitmentEvent(commitment_id=c.id, actor_id=actor_id, from_status=None, to_status=c.status.value))
    audit.record(
        db,
        actor_id,
        "commitment.created",
        "commitment",
        c.id,
        before=None,
        after={"title": title, "owner": owner, "due_on": due.isoformat()},
    )
    db.commit()
    return c


def change_status(db: Session, actor_id: int, commitment_id: int, status: str, note: str = "") -> Commitment:
    c = db.get(Commitment, commitment_id)
    if c is None:
        raise NotFound(str(commitment_id))
    try:
        new = CommitmentStatus(status)
    except ValueError:
        raise ValidationFailed({"status": "Choose a status"}) from None
    note = note.strip()[:2000]
    if new == CommitmentStatus.DROPPED and not note:
        raise ValidationFailed({"note": "Say why the commitment was dropped"})
    if new == c.status and not note:
        raise ValidationFailed({"status": "Choose a different status, or add an update"})
    old = c.status
    c.status = new
    if new == CommitmentStatus.DROPPED:
        c.reason = note
    db.add(
        CommitmentEvent(commitment_id=c.id, actor_id=actor_id, from_status=old.value, to_status=new.value, note=note)
    )
    audit.record(
        db,
        actor_id,
        "commitment.status_changed",
        "commitment",
        c.id,
        before={"status": old.value},
        after={"status": new.value, "note": note},
    )
    db.commit()
    return c
