from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.models import AuditEvent, CommitmentStatus
from engage.services import commitments
from engage.services.errors import ValidationFailed
from tests.factories import make_consultation, make_staff, make_theme


def test_commitment_lifecycle_keeps_history(db):
    officer = make_staff(db)
    c = make_consultation(db, status="published")
    theme = make_theme(db, c.questions[1], name="Rename Beckwith Road")
    k = commitments.create(
        db, officer.id, c.id, "Take renaming to the naming panel", "Place team", "2027-03-31", theme.id
    )
    commitments.change_status(db, officer.id, k.id, "in_progress", "Panel booked")
    with pytest.raises(ValidationFailed):
        commitments.change_status(db, officer.id, k.id, "dropped", "")
    commitments.change_status(db, officer.id, k.id, "dropped", "The panel was abolished")
    view = commitments.get(db, k.id)
    assert view.commitment.status == CommitmentStatus.DROPPED and view.commitment.reason == "The panel was abolished"
    assert [(e.from_status, e.to_status) for e in view.events] == [
        (None, "planned"),
        ("planned", "in_progress"),
        ("in_progress", "dropped"),
    ]
    assert view.theme_name == "Rename Beckwith Road"
    assert [i.commitment.id for i in commitments.public_all(db)] == [k.id]
    actions = db.scalars(select(AuditEvent.action)).all()
    assert actions.count("commitment.status_changed") == 2


def test_validation_and_unpublished_consultations_stay_private(db):
    officer = make_staff(db)
    c = make_consultation(db, status="closed")
    with pytest.raises(ValidationFailed) as exc:
        commitments.create(db, officer.id, c.id, "", "", "soon")
    assert set(exc.value.errors) == {"title", "owner", "due_on"}
    commitments.create(db, officer.id, c.id, "Do it", "Team", "2027-01-01")
    assert commitments.public_all(db) == []
    other = make_consultation(db, status="closed")
    theme = make_theme(db, other.questions[1])
    with pytest.raises(ValidationFailed):
        commitments.create(db, officer.id, c.id, "Do it", "Team", "2027-01-01", theme.id)
