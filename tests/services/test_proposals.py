from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.models import Answer, Audience, Proposal, ProposalSupport
from engage.services import consultations, proposals
from engage.services.errors import Conflict
from tests.factories import make_consultation, make_proposal, make_proposals_consultation, make_staff

KEY = b"test-key"


def test_propose_stores_reason_as_an_answer_once(db, sessions):
    c = consultations.get(db, make_proposals_consultation(db).id)
    args = {"title": " Olive   Morris Square ", "reason": "She organised here", "audience": Audience.RESIDENT}
    first = proposals.propose(db, c, idempotency_key="k" * 32, **args)
    again = proposals.propose(db, c, idempotency_key="k" * 32, **args)
    assert first.reference == again.reference
    with sessions() as s:
        p = s.scalars(select(Proposal)).one()
        assert p.title == "Olive Morris Square"
        assert s.scalars(select(Answer.text)).one() == "She organised here"


def test_ordinary_consultations_take_no_proposals(db):
    c = consultations.get(db, make_consultation(db).id)
    with pytest.raises(Conflict):
        proposals.propose(db, c, title="x", reason="y", audience=Audience.RESIDENT, idempotency_key="k" * 32)


def test_support_counts_once_per_browser_and_per_email(db, sessions):
    c = make_proposals_consultation(db)
    p = make_proposal(db, c)
    assert proposals.support(db, p.id, browser_id="a", email="", key=KEY) == proposals.SupportResult(1, True)
    assert not proposals.support(db, p.id, browser_id="a", email="", key=KEY).counted
    assert proposals.support(db, p.id, browser_id="b", email="Sam@Example.com", key=KEY).counted
    # The same email from another browser is not counted again.
    assert proposals.support(db, p.id, browser_id="c", email="sam@example.com ", key=KEY) == proposals.SupportResult(
        2, False
    )
    with sessions() as s:
        stored = s.scalars(select(ProposalSupport)).all()
        assert all("sam" not in (x.email_hash or "") and len(x.browser_hash) == 64 for x in stored)


def test_hidden_proposals_leave_the_public_list(db):
    c = make_proposals_consultation(db)
    p = make_proposal(db, c)
    officer = make_staff(db)
    proposals.hide(db, officer.id, p.id, "Names a private person")
    full = consultations.get(db, c.id)
    assert proposals.list_public(db, full) == []


def test_new_proposals_consultation_gets_a_reason_question(db):
    officer = make_staff(db)
    c = consultations.save(
        db, officer.id, {"title": "Name the bridge", "summary": "Ideas", "audiences": ["resident"], "kind": "proposals"}
    )
    full = consultations.get(db, c.id)
    assert [q.text for q in full.questions] == [proposals.REASON_QUESTION]
