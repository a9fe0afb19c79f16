"""Consultations' statuses follow their dates; questions are checked before a consultation opens."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from engage.models import AuditEvent, Consultation, QuestionKind, Status, council_today, status_on
from engage.services import consultations
from engage.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_consultation, make_staff

TODAY = council_today()
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("stored", "opens", "closes", "expected"),
    [
        (Status.OPEN, TODAY + DAY, None, Status.SCHEDULED),
        (Status.OPEN, TODAY, TODAY, Status.OPEN),  # open through the whole of its closing day
        (Status.OPEN, None, TODAY - DAY, Status.CLOSED),
        (Status.OPEN, None, None, Status.OPEN),
        (Status.DRAFT, TODAY - DAY, TODAY - DAY, Status.DRAFT),
        (Status.CLOSED, None, TODAY + DAY, Status.CLOSED),  # closed early by hand stays closed
        (Status.PUBLISHED, None, TODAY - DAY, Status.PUBLISHED),
    ],
)
def test_status_on(stored, opens, closes, expected):
    assert status_on(stored, opens, closes, TODAY) == expected


def test_the_status_is_the_same_in_python_and_in_sql(db):
    made = {
        "scheduled": make_consultation(db, status="open", opens_on=TODAY + DAY),
        "past": make_consultation(db, status="open", opens_on=TODAY - 9 * DAY, closes_on=TODAY - DAY),
        "live": make_consultation(db, status="open"),
        "draft": make_consultation(db, status="draft"),
    }
    db.expire_all()
    in_sql = dict(db.execute(select(Consultation.id, Consultation.status)).all())
    assert {k: in_sql[c.id] for k, c in made.items()} == {
        "scheduled": Status.SCHEDULED,
        "past": Status.CLOSED,
        "live": Status.OPEN,
        "draft": Status.DRAFT,
    }
    assert {k: db.get(Consultation, c.id).status for k, c in made.items()} == {k: in_sql[c.id] for k, c in made.items()}
    open_now = consultations.public_list(db).open_now
    assert [c.id for c in open_now] == [made["live"].id]
    with pytest.raises(NotFound):
        consultations.get_public(db, made["scheduled"].slug)
    with pytest.raises(NotFound):
        consultations.response_form_spec(db, made["scheduled"].slug)
    assert consultations.response_form_spec(db, made["past"].slug).status == Status.CLOSED


def test_a_choice_question_needs_two_options(db):
    c = make_consultation(db, status="draft", questions=[])
    actor = make_staff(db)
    for options in ([], ["Only one"], ["Same", " Same ", ""]):
        with pytest.raises(ValidationFailed) as exc:
            consultations.add_question(
                db,
                actor.id,
                c.id,
                text="Pick one",
                hint="",
                kind=QuestionKind.SINGLE_CHOICE,
                options=options,
                required=True,
            )
        assert "options" in exc.value.errors
    q = consultations.add_question(
        db,
        actor.id,
        c.id,
        text="Pick",
        hint="",
        kind=QuestionKind.MULTIPLE_CHOICE,
        options=["A", "B", "A"],
        required=False,
    )
    assert q.options == ["A", "B"]


def test_a_consultation_with_a_broken_question_cannot_open(db):
    # Made before questions were checked (or by a script): a "choose one" question with no options.
    c = make_consultation(db, status="draft", questions=[{"kind": "single_choice", "text": "Choose", "options": []}])
    actor = make_staff(db)
    with pytest.raises(Conflict, match="fewer than 2 options"):
        consultations.change_status(db, actor.id, c.id, "open")
    db.expire_all()
    assert db.get(Consultation, c.id).status == Status.DRAFT
    empty = make_consultation(db, status="draft", questions=[])
    with pytest.raises(Conflict, match="at least one question"):
        consultations.change_status(db, actor.id, empty.id, "open")


def test_opening_before_the_opening_date_schedules_it(db):
    actor = make_staff(db)
    c = make_consultation(db, status="draft", opens_on=TODAY + 3 * DAY, closes_on=TODAY + 30 * DAY)
    assert consultations.change_status(db, actor.id, c.id, "open").status == Status.SCHEDULED
    # "Open now" brings the opening date forward; "back to draft" undoes a schedule.
    opened = consultations.change_status(db, actor.id, c.id, "open")
    assert opened.status == Status.OPEN and opened.opens_on == TODAY
    later = make_consultation(db, status="open", opens_on=TODAY + 3 * DAY)
    assert consultations.change_status(db, actor.id, later.id, "unschedule").status == Status.DRAFT
    events = db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "consultation.open")).all()
    assert [e["after"] for e in events] == ["scheduled", "open"]


def test_closing_by_hand_records_the_day_and_reopening_needs_a_future_closing_date(db):
    actor = make_staff(db)
    c = make_consultation(db, status="open", closes_on=TODAY + 10 * DAY)
    closed = consultations.change_status(db, actor.id, c.id, "close")
    assert closed.status == Status.CLOSED and closed.closes_on == TODAY
    past = make_consultation(db, status="open", opens_on=TODAY - 9 * DAY, closes_on=TODAY - DAY)
    with pytest.raises(Conflict, match="closing date has passed"):
        consultations.change_status(db, actor.id, past.id, "open")
    with pytest.raises(Conflict):
        consultations.change_status(db, actor.id, past.id, "close")  # it is closed already


def test_an_opened_consultation_cannot_be_moved_into_the_future(db):
    actor = make_staff(db)
    c = make_consultation(db, status="open")
    data = {
        "title": c.title,
        "summary": c.summary,
        "audiences": c.audiences,
        "opens_on": TODAY + DAY,
        "closes_on": None,
    }
    with pytest.raises(ValidationFailed) as exc:
        consultations.save(db, actor.id, data, c.id)
    assert "opens_on" in exc.value.errors
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "consultation.updated")) == 0
