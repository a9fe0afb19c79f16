"""The retention schedule: contact details and equality answers are deleted a set number of days
(ENGAGE_RETENTION_DAYS, 365 by default) after a consultation closes.

A consultation's close date is its `closes_on`; one closed or published without a `closes_on`
counts from when it was published (or last changed). What people said, redacted text, themes and
counts stay. Before equality answers are deleted, the consultation's equality counts are saved
with the same disclosure control as the insight pages (engage.services.insight), so published
aggregates survive. Running it again deletes nothing more: it is idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from engage.models import Consultation, EqualityAnswers, EqualitySummary, Response, ResponseContact, Status
from engage.services import audit, insight

SUMMARY_DIMENSIONS: dict[str, str] = {
    "age_band": "Age",
    "ethnic_group": "Ethnic group (broad)",
    "ethnic_group_detail": "Ethnic group (detailed)",
    "sex": "Sex",
    "disability": "Disability",
    "religion": "Religion or belief",
}


@dataclass(frozen=True)
class Purged:
    consultation_id: int
    slug: str
    contacts: int
    equality_answers: int


@dataclass
class RetentionReport:
    days: int
    cutoff: dt.date
    dry_run: bool
    consultations: list[Purged] = field(default_factory=list)

    @property
    def contacts(self) -> int:
        return sum(p.contacts for p in self.consultations)

    @property
    def equality_answers(self) -> int:
        return sum(p.equality_answers for p in self.consultations)


def due(db: Session, cutoff: dt.date) -> list[Consultation]:
    """Consultations that closed before `cutoff`."""
    closed_at = func.coalesce(Consultation.published_at, Consultation.updated_at)
    return list(
        db.scalars(
            select(Consultation)
            .where(
                or_(
                    Consultation.closes_on < cutoff,
                    and_(
                        Consultation.closes_on.is_(None),
                        Consultation.status.in_([Status.CLOSED, Status.PUBLISHED]),
                        closed_at < dt.datetime.combine(cutoff, dt.time()),
                    ),
                )
            )
            .order_by(Consultation.id)
        )
    )


def equality_summary(db: Session, consultation_id: int) -> dict[str, Any]:
    """Counts per category for each equality question, with insight's primary and secondary suppression."""
    rows = db.execute(
        select(
            EqualityAnswers.age_band,
            EqualityAnswers.ethnic_group,
            EqualityAnswers.ethnic_group_detail,
            EqualityAnswers.sex,
            EqualityAnswers.disability,
            EqualityAnswers.religion,
        )
        .join(Response, Response.id == EqualityAnswers.response_id)
        .where(Response.consultation_id == consultation_id)
    ).all()
    total = len(rows)
    dimensions: dict[str, list[dict[str, Any]]] = {}
    grid: list[list[str | None]] = [[None]]
    for key in SUMMARY_DIMENSIONS:
        counts: Counter[str] = Counter()
        for row in rows:
            value = getattr(row, key)
            if key == "ethnic_group_detail" and value and row.ethnic_group:
                value = f"{row.ethnic_group}: {value}"
            counts[value or insight.NOT_STATED] += 1
        order = insight._order(key, set(counts))
        values = [counts[c] for c in order]
        grid = insight.suppress([[v] for v in values] + [[total]])
        dimensions[key] = [
            {"category": c, "count": None if grid[i][0] else values[i], "suppressed": grid[i][0]}
            for i, c in enumerate(order)
        ]
    return {"respondents": None if grid[-1][0] else total, "threshold": insight.THRESHOLD, "dimensions": dimensions}


def saved_summary(db: Session, consultation_id: int) -> EqualitySummary | None:
    return db.scalars(select(EqualitySummary).where(EqualitySummary.consultation_id == consultation_id)).first()


def run(db: Session, today: dt.date, days: int, dry_run: bool = False) -> RetentionReport:
    if days < 0:
        raise ValueError("The retention period cannot be negative")
    report = RetentionReport(days, today - dt.timedelta(days=days), dry_run)
    for c in due(db, report.cutoff):
        responses = select(Response.id).where(Response.consultation_id == c.id).scalar_subquery()
        contacts = db.scalar(select(func.count()).where(ResponseContact.response_id.in_(responses))) or 0
        answers = db.scalar(select(func.count()).where(EqualityAnswers.response_id.in_(responses))) or 0
        if not contacts and not answers:
            continue
        report.consultations.append(Purged(c.id, c.slug, contacts, answers))
        if dry_run:
            continue
        if answers and saved_summary(db, c.id) is None:
            db.add(EqualitySummary(consultation_id=c.id, counts=equality_summary(db, c.id)))
        db.execute(delete(ResponseContact).where(ResponseContact.response_id.in_(responses)))
        db.execute(delete(EqualityAnswers).where(EqualityAnswers.response_id.in_(responses)))
        audit.record(
            db, None, "retention.deleted", "consultation", c.id, contacts=contacts, equality_answers=answers, days=days
        )
        db.commit()
    if not dry_run:
        audit.record(
            db,
            None,
            "retention.run",
            "retention",
            None,
            days=days,
            consultations=len(report.consultations),
            contacts=report.contacts,
            equality_answers=report.equality_answers,
        )
        db.commit()
    return report
