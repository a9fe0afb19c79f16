"""The theme board's edits: what they change, what the audit trail says, and that undo restores exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.models import (
    AssignmentSource,
    AuditEvent,
    ProposalStatus,
    Theme,
    ThemeAssignment,
    ThemeOrigin,
    ThemeRejection,
    ThemingJob,
)
from engage.services import review, theming
from engage.services.errors import Conflict, ValidationFailed
from engage.worker import Worker
from tests.factories import make_comments, make_consultation, make_staff, make_theme


def _state(s, qid):  # type: ignore[no-untyped-def]
    themes = sorted(
        (t.id, t.name, t.origin.value, tuple(t.quotes), t.response_text)
        for t in s.scalars(select(Theme).where(Theme.question_id == qid))
    )
    rows = sorted(
        (a.theme_id, a.answer_id, a.source.value, a.officer_id, a.confidence)
        for a in s.scalars(select(ThemeAssignment))
    )
    rejections = sorted((r.theme_id, r.answer_id) for r in s.scalars(select(ThemeRejection)))
    return themes, rows, rejections


@pytest.fixture
def board(db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="closed")
    q = c.questions[1]
    a = make_comments(db, c, ["one about heroes", "two about heroes", "three about cost", "four about plaques"])
    t1 = make_theme(db, q, answers=a[:2], name="Heroes", quotes=["one about heroes"], response_text="We will.")
    t2 = make_theme(db, q, answers=a[1:3], name="Cost")
    t3 = make_theme(db, q, answers=a[3:], name="Plaques")
    officer = make_staff(db, role="officer")
    return {"c": c, "q": q, "a": a, "t": [t1, t2, t3], "officer": officer}


EDITS = {
    "rename": lambda s, b: review.rename(s, b["officer"].id, b["t"][0].id, "Local heroes"),
    "create": lambda s, b: review.create(s, b["officer"].id, b["q"].id, "New", "", [b["a"][0].id]),
    "delete": lambda s, b: review.remove(s, b["officer"].id, b["t"][1].id),
    "merge": lambda s, b: review.merge(s, b["officer"].id, [b["t"][0].id, b["t"][1].id], "Heroes and cost"),
    "split": lambda s, b: review.split(s, b["officer"].id, b["t"][0].id, [b["a"][1].id], "Split out"),
    "move": lambda s, b: review.move(s, b["officer"].id, b["a"][3].id, b["t"][2].id, b["t"][0].id),
    "confirm": lambda s, b: review.confirm(s, b["officer"].id, b["a"][1].id, b["t"][1].id),
    "reject": lambda s, b: review.reject(s, b["officer"].id, b["a"][1].id, b["t"][1].id),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_every_edit_is_audited_and_undo_restores_exactly(sessions, board, edit):
    with sessions() as s:
        before = _state(s, board["q"].id)
        review.sign_off(s, board["officer"].id, board["t"][0].id)
    with sessions() as s:
        EDITS[edit](s, board)
    with sessions() as s:
        assert _state(s, board["q"].id) != before
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action.startswith("theme.") and event.actor_id == board["officer"].id
        assert "before" in event.detail and "after" in event.detail
        # Residents' words never go in the audit trail.
        assert "about" not in str(event.detail)
    with sessions() as s:
        review.undo_last(s, board["officer"].id, board["q"].id)
    with sessions() as s:
        assert _state(s, board["q"].id) == before
        with pytest.raises(Conflict):
            review.undo_last(s, board["officer"].id, board["q"].id)  # one undo, of the last edit


def test_undoing_a_delete_brings_back_notes_and_commitment_links(sessions, board, db):
    from engage.models import Commitment, ThemeNote

    member = make_staff(db, role="coalition_member")
    with sessions() as s:
        review.add_note(s, member.id, board["t"][0].id, "Include Claudia Jones")
        s.add(
            Commitment(consultation_id=board["c"].id, theme_id=board["t"][0].id, title="x", owner="y", due_on=_date())
        )
        s.commit()
        review.remove(s, board["officer"].id, board["t"][0].id)
    with sessions() as s:
        assert s.scalars(select(Commitment.theme_id)).one() is None
        review.undo_last(s, board["officer"].id, board["q"].id)
    with sessions() as s:
        assert s.scalars(select(Commitment.theme_id)).one() == board["t"][0].id
        assert s.scalars(select(ThemeNote.body)).all() == ["Include Claudia Jones"]


def _date():  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.date(2027, 1, 1)


def test_merge_keeps_one_row_per_comment_and_the_council_response(sessions, board):
    with sessions() as s:
        merged = review.merge(s, board["officer"].id, [board["t"][0].id, board["t"][1].id], "Heroes and cost")
        rows = s.scalars(select(ThemeAssignment).where(ThemeAssignment.theme_id == merged.id)).all()
        assert sorted(r.answer_id for r in rows) == sorted(a.id for a in board["a"][:3])
        assert merged.origin == ThemeOrigin.OFFICER and merged.response_text == "We will."


def test_validation_and_conflicts(sessions, board):
    oid = board["officer"].id
    with sessions() as s:
        with pytest.raises(ValidationFailed):
            review.rename(s, oid, board["t"][0].id, "   ")
        with pytest.raises(ValidationFailed):
            review.merge(s, oid, [board["t"][0].id], "x")
        with pytest.raises(Conflict):
            review.split(s, oid, board["t"][2].id, [board["a"][0].id], "x")  # not in that theme
        with pytest.raises(Conflict):
            review.reject(s, oid, board["a"][0].id, board["t"][2].id)


def test_undo_refuses_a_stale_edit_id(sessions, board):
    with sessions() as s:
        review.rename(s, board["officer"].id, board["t"][0].id, "First")
        first = review.last_edit(s, board["q"].id).id
        review.rename(s, board["officer"].id, board["t"][1].id, "Second")
    with sessions() as s, pytest.raises(Conflict):
        review.undo_last(s, board["officer"].id, board["q"].id, first)


def test_proposals_are_accepted_as_undoable_edits_or_rejected(sessions, board, db):
    member = make_staff(db, role="coalition_member")
    with sessions() as s:
        p1 = review.propose(s, member.id, board["q"].id, "rename", [board["t"][2].id], "Tell the full story", "Clearer")
        p2 = review.propose(s, member.id, board["q"].id, "merge", [board["t"][0].id, board["t"][1].id], "Both")
        assert len(review.board(s, board["q"].id).proposals) == 2
    with sessions() as s:
        review.decide(s, board["officer"].id, p1.id, accept=True)
        review.decide(s, board["officer"].id, p2.id, accept=False)
        with pytest.raises(Conflict):
            review.decide(s, board["officer"].id, p2.id, accept=True)
    with sessions() as s:
        assert s.get(Theme, board["t"][2].id).name == "Tell the full story"
        assert s.get(Theme, board["t"][0].id).name == "Heroes"
        assert review.last_edit(s, board["q"].id).action == "theme.renamed"
        from engage.models import ThemeProposal

        assert s.get(ThemeProposal, p2.id).status == ProposalStatus.REJECTED


def test_board_counts_and_stance(sessions, board):
    with sessions() as s:
        b = review.board(s, board["q"].id)
        cards = {c.name: c for c in b.cards}
        assert cards["Heroes"].count == 2 and cards["Heroes"].share == 0.5
        assert cards["Heroes"].stance["neutral"] == 2 and b.unthemed == 0


# ---- Officers' work survives theming re-runs ---------------------------------------------------

COMMENTS = [
    "The road is named after a slave trader and that hurts Black residents",
    "Names celebrating enslavers should go, it is about respect",
    "Changing every address costs small businesses a fortune",
    "The cost of new signs and letterheads is a waste of council money",
    "Rename the estate after Olive Morris, a local hero",
    "Honour the Windrush generation who built this borough",
    "Put up plaques explaining the history instead of renaming",
    "A plaque telling the full story is better than erasing the name",
]


def _rerun(sessions, cid, nlp):  # type: ignore[no-untyped-def]
    with sessions() as s:
        theming.enqueue(s, cid, None)
    assert Worker(sessions, lambda: nlp).run_once()
    with sessions() as s:
        assert s.scalars(select(ThemingJob).order_by(ThemingJob.id.desc())).first().status == "done"


def test_board_edits_survive_a_rerun(sessions, db, nlp):
    c = make_consultation(db, status="closed")
    make_comments(db, c, COMMENTS)
    officer = make_staff(db, role="officer")
    _rerun(sessions, c.id, nlp)
    qid = c.questions[1].id
    with sessions() as s:
        themes = s.scalars(select(Theme).where(Theme.question_id == qid).order_by(Theme.id)).all()
        assert themes  # discovery may find one theme in eight comments; the test needs one
        answers = {a.text: a.id for a in s.scalars(select(theming.Answer).where(theming.Answer.question_id == qid))}
        renamed = review.rename(s, officer.id, themes[0].id, "Officer's name")
        target = review.create(s, officer.id, qid, "Plaques and explanation", "Explain the history with plaques")
        moved = answers[COMMENTS[6]]
        current = s.scalars(select(ThemeAssignment.theme_id).where(ThemeAssignment.answer_id == moved)).first()
        review.move(s, officer.id, moved, current, target.id)
        s.execute(
            ThemeAssignment.__table__.delete().where(
                ThemeAssignment.answer_id == moved, ThemeAssignment.theme_id != target.id
            )
        )
        s.commit()
        # Reject a model assignment of another comment.
        other = s.scalars(
            select(ThemeAssignment).where(
                ThemeAssignment.source == AssignmentSource.MODEL, ThemeAssignment.answer_id != moved
            )
        ).first()
        rejected = (other.answer_id, other.theme_id)
        review.reject(s, officer.id, *rejected)
        kept = {
            (a.answer_id, a.theme_id)
            for a in s.scalars(select(ThemeAssignment).where(ThemeAssignment.source == AssignmentSource.OFFICER))
        }
        renamed_id = renamed.id
    _rerun(sessions, c.id, nlp)
    with sessions() as s:
        assert s.get(Theme, renamed_id).name == "Officer's name"
        assert s.get(Theme, renamed_id).origin == ThemeOrigin.OFFICER
        officer_rows = {
            (a.answer_id, a.theme_id)
            for a in s.scalars(select(ThemeAssignment).where(ThemeAssignment.source == AssignmentSource.OFFICER))
        }
        assert officer_rows == kept  # never overwritten
        assert rejected not in {(a.answer_id, a.theme_id) for a in s.scalars(select(ThemeAssignment))}
        moved_rows = s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id == moved)).all()
        assert [(r.theme_id, r.source) for r in moved_rows] == [(target.id, AssignmentSource.OFFICER)]
        # The model themes left on the board still hold comments: one edit does not empty them.
        model_rows = s.scalars(select(ThemeAssignment).where(ThemeAssignment.source == AssignmentSource.MODEL)).all()
        assert model_rows
        with pytest.raises(Conflict):
            review.undo_last(s, officer.id, qid)  # theming ran since the last edit


def test_undo_after_a_response_was_erased_leaves_the_erased_comment_out(sessions, board):
    from engage.models import Answer, Response

    with sessions() as s:
        review.remove(s, board["officer"].id, board["t"][0].id)  # the snapshot holds a[0] and a[1]
    with sessions() as s:  # then a resident's erasure request removes a[0]'s response
        response_id = s.get(Answer, board["a"][0].id).response_id
        s.delete(s.get(Response, response_id))
        s.commit()
    with sessions() as s:
        review.undo_last(s, board["officer"].id, board["q"].id)
    with sessions() as s:
        rows = s.scalars(select(ThemeAssignment.answer_id).where(ThemeAssignment.theme_id == board["t"][0].id)).all()
        assert rows == [board["a"][1].id]
