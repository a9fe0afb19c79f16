from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.models import (
    Answer,
    AuditEvent,
    EqualityAnswers,
    ErasureRequest,
    ErasureStatus,
    Response,
    ResponseContact,
    Theme,
    ThemeAssignment,
)
from engage.services import erasure
from engage.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_comments, make_consultation, make_response, make_staff, make_theme

KEY = "test-secret-key-not-for-production"


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ABCD-EFGH", "ABCD-EFGH"),
        (" abcd efgh ", "ABCD-EFGH"),
        ("abcdefgh", "ABCD-EFGH"),
        ("ABCD-EFG", None),
        ("ABCD-EFG0", None),
        ("ABCD-EFGHJ", None),
        ("", None),
    ],
)
def test_normalise(raw, expected):
    assert erasure.normalise(raw) == expected


def test_request_is_stored_once_whether_or_not_the_reference_exists(db):
    c = make_consultation(db)
    r = make_response(db, c, {c.questions[1].id: "My words"}, reference="ABCD-EFGH")
    erasure.request_erasure(db, KEY, "abcd efgh")
    erasure.request_erasure(db, KEY, "ABCD-EFGH")  # asked twice: one request
    erasure.request_erasure(db, KEY, "ZZZZ-ZZZZ")  # no such response: stored all the same
    with pytest.raises(ValidationFailed):
        erasure.request_erasure(db, KEY, "not a reference")
    rows = erasure.pending(db)
    assert [(p.reference, p.found.response_id if p.found else None) for p in rows] == [
        ("ABCD-EFGH", r.id),
        ("ZZZZ-ZZZZ", None),
    ]
    events = db.scalars(select(AuditEvent)).all()
    assert [e.action for e in events] == ["erasure.requested", "erasure.requested"]
    assert all("ABCD" not in str(e.detail) for e in events)


def test_erase_deletes_everything_that_cascades_and_keeps_only_a_hash(db):
    officer = make_staff(db)
    c = make_consultation(db)
    [answer] = make_comments(db, c, ["The bus to Eastside is always late"], reference="ABCD-EFGH")
    [other] = make_comments(db, c, ["Trains are fine"], reference="BCDE-FGHJ")
    theme = make_theme(
        db, c.questions[1], answers=[answer, other], quotes=["The bus to Eastside is always late", "Trains are fine"]
    )
    db.add(ResponseContact(response_id=answer.response_id, email="resident@example.org"))
    db.add(EqualityAnswers(response_id=answer.response_id, age_band="25 to 34"))
    db.commit()
    erasure.request_erasure(db, KEY, "ABCD-EFGH")

    erased = erasure.erase(db, KEY, officer.id, "abcd-efgh")
    assert erased.answers == 1 and erased.consultation_title == c.title
    assert db.scalars(select(Response.reference)).all() == ["BCDE-FGHJ"]
    assert _count(db, Answer) == 1 and _count(db, ThemeAssignment) == 1
    assert _count(db, ResponseContact) == 0 and _count(db, EqualityAnswers) == 0
    db.expire_all()
    assert db.get(Theme, theme.id).quotes == ["Trains are fine"]
    req = db.scalars(select(ErasureRequest)).one()
    assert req.status == ErasureStatus.ERASED and req.reference is None and req.resolved_by_id == officer.id
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "response.erased")).one()
    assert event.actor_id == officer.id and event.detail["reference_hash"] == erasure.reference_hash(KEY, "ABCD-EFGH")
    assert event.detail["answers"] == 1 and event.detail["quotes_removed"] == 1
    assert "ABCD" not in str(event.detail) and "bus" not in str(event.detail)
    assert erasure.pending(db) == []

    with pytest.raises(ValidationFailed):  # already gone
        erasure.erase(db, KEY, officer.id, "ABCD-EFGH")
    with pytest.raises(ValidationFailed):
        erasure.erase(db, KEY, officer.id, "nonsense")


def test_erase_a_request_and_close_one(db):
    officer = make_staff(db)
    c = make_consultation(db)
    make_response(db, c, {c.questions[1].id: "Words"}, reference="CDEF-GHJK")
    erasure.request_erasure(db, KEY, "CDEF-GHJK")
    erasure.request_erasure(db, KEY, "ZZZZ-ZZZZ")
    first, missing = erasure.pending(db)
    erasure.erase_request(db, KEY, officer.id, first.id)
    with pytest.raises(Conflict):
        erasure.erase_request(db, KEY, officer.id, first.id)
    with pytest.raises(ValidationFailed):  # nothing to erase for a reference that matches nothing
        erasure.erase_request(db, KEY, officer.id, missing.id)
    erasure.close_request(db, officer.id, missing.id)
    with pytest.raises(Conflict):
        erasure.close_request(db, officer.id, missing.id)
    for fn in (erasure.close_request, lambda db, a, i: erasure.erase_request(db, KEY, a, i)):
        with pytest.raises(NotFound):
            fn(db, officer.id, 999_999)
    closed = db.get(ErasureRequest, missing.id)
    assert closed.status == ErasureStatus.CLOSED and closed.reference is None
    assert _count(db, Response) == 0
    assert "erasure.closed" in db.scalars(select(AuditEvent.action)).all()


def test_erase_a_proposal_and_its_supports(db):
    from engage.models import Proposal, ProposalSupport
    from tests.factories import make_proposal, make_proposals_consultation

    officer = make_staff(db)
    c = make_proposals_consultation(db)
    proposal = make_proposal(db, c)
    db.add(ProposalSupport(proposal_id=proposal.id, browser_hash="x" * 64))
    db.commit()
    reference = db.get(Response, proposal.response_id).reference
    erasure.erase(db, KEY, officer.id, reference)
    assert _count(db, Proposal) == 0 and _count(db, ProposalSupport) == 0
