from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from engage.models import (
    Answer,
    AuditEvent,
    EqualityAnswers,
    EqualitySummary,
    Response,
    ResponseContact,
)
from engage.services import retention
from tests.factories import make_consultation, make_response

TODAY = dt.date(2028, 6, 1)


def _people(db, c, n: int, *, ethnic_group: str = "White", age_band: str = "25 to 34", contact: bool = True):  # type: ignore[no-untyped-def]
    for _ in range(n):
        r = make_response(db, c, {c.questions[1].id: "Keep the library open"})
        db.add(EqualityAnswers(response_id=r.id, ethnic_group=ethnic_group, age_band=age_band, sex="Female"))
        if contact:
            db.add(ResponseContact(response_id=r.id, email="resident@example.org"))
    db.commit()


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model))


def test_deletes_only_for_consultations_closed_long_enough_ago(db):
    old = make_consultation(db, status="published", closes_on=TODAY - dt.timedelta(days=366))
    edge = make_consultation(db, status="closed", closes_on=TODAY - dt.timedelta(days=365))
    recent = make_consultation(db, status="open", closes_on=TODAY + dt.timedelta(days=10))
    for c in (old, edge, recent):
        _people(db, c, 2)

    report = retention.run(db, TODAY, 365)
    assert [(p.slug, p.contacts, p.equality_answers) for p in report.consultations] == [(old.slug, 2, 2)]
    assert (report.contacts, report.equality_answers) == (2, 2)
    assert _count(db, ResponseContact) == 4 and _count(db, EqualityAnswers) == 4
    # What people said stays.
    assert _count(db, Response) == 6 and _count(db, Answer) == 6
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["retention.deleted", "retention.run"]
    run = db.scalars(select(AuditEvent).where(AuditEvent.action == "retention.run")).one()
    assert run.detail == {"days": 365, "consultations": 1, "contacts": 2, "equality_answers": 2}

    again = retention.run(db, TODAY, 365)  # idempotent
    assert again.consultations == [] and _count(db, EqualitySummary) == 1


def test_dry_run_changes_nothing(db):
    c = make_consultation(db, status="closed", closes_on=TODAY - dt.timedelta(days=400))
    _people(db, c, 3)
    report = retention.run(db, TODAY, 365, dry_run=True)
    assert report.dry_run and (report.contacts, report.equality_answers) == (3, 3)
    assert _count(db, ResponseContact) == 3 and _count(db, EqualityAnswers) == 3
    assert _count(db, AuditEvent) == 0 and _count(db, EqualitySummary) == 0


def test_closed_without_a_close_date_counts_from_publication(db):
    c = make_consultation(db, status="published", closes_on=None, published_at=dt.datetime(2027, 1, 1))
    still_open = make_consultation(db, status="open", closes_on=None)
    _people(db, c, 1)
    _people(db, still_open, 1)
    assert [p.slug for p in retention.run(db, TODAY, 365).consultations] == [c.slug]
    assert retention.run(db, TODAY, 10_000).consultations == []


def test_equality_counts_survive_with_disclosure_control(db):
    c = make_consultation(db, status="closed", closes_on=TODAY - dt.timedelta(days=400))
    _people(db, c, 12, ethnic_group="White", age_band="25 to 34")
    _people(db, c, 11, ethnic_group="Asian or Asian British", age_band="35 to 44", contact=False)
    _people(db, c, 3, ethnic_group="Mixed or multiple ethnic groups", age_band="35 to 44", contact=False)
    before = retention.equality_summary(db, c.id)
    retention.run(db, TODAY, 365)
    saved = retention.saved_summary(db, c.id)
    assert saved is not None and saved.counts == before
    assert saved.counts["respondents"] == 26 and saved.counts["threshold"] == 10
    ethnic = {row["category"]: row for row in saved.counts["dimensions"]["ethnic_group"]}
    assert ethnic["Mixed or multiple ethnic groups"] == {
        "category": "Mixed or multiple ethnic groups",
        "count": None,
        "suppressed": "primary",
    }
    # Secondary suppression: the smallest other count is hidden, so 3 cannot be worked out from the total.
    assert ethnic["Asian or Asian British"]["suppressed"] == "secondary"
    assert ethnic["White"]["count"] == 12
    age = {row["category"]: row["count"] for row in saved.counts["dimensions"]["age_band"]}
    assert age == {"25 to 34": 12, "35 to 44": 14}
    assert set(saved.counts["dimensions"]) == set(retention.SUMMARY_DIMENSIONS)
    assert _count(db, EqualityAnswers) == 0


def test_small_totals_are_suppressed_too(db):
    c = make_consultation(db, status="closed", closes_on=TODAY - dt.timedelta(days=400))
    _people(db, c, 4)
    summary = retention.equality_summary(db, c.id)
    assert summary["respondents"] is None
    assert all(row["count"] is None for rows in summary["dimensions"].values() for row in rows)


def test_negative_period_is_refused(db):
    with pytest.raises(ValueError):
        retention.run(db, TODAY, -1)
