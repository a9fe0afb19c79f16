"""The theme board: officers curate the themes of one question, and every edit can be undone.

Each edit is one transaction that:
- changes themes and assignments (renamed, created, merged and split themes become officer themes;
  comments an officer places or confirms become officer assignments, which re-runs never overwrite);
- records an audit event with before and after (names, ids and counts; never residents' words);
- stores a `ThemeEdit` holding the affected rows as they were, so that the last edit can be undone.

Coalition members comment on themes and propose renames and merges; officers accept or reject them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from engage.models import (
    Answer,
    AssignmentSource,
    Commitment,
    Consultation,
    JobStatus,
    ProposalStatus,
    Question,
    QuestionKind,
    StaffUser,
    Theme,
    ThemeAssignment,
    ThemeEdit,
    ThemeNote,
    ThemeOrigin,
    ThemeProposal,
    ThemeRejection,
    ThemeSignoff,
    ThemingJob,
    utcnow,
)
from engage.services import audit
from engage.services import comments as comment_service
from engage.services.errors import Conflict, NotFound, ValidationFailed

MAX_NAME = 200
STANCES = ("support", "oppose", "mixed", "neutral")


# ---- Reading the board ----------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    id: int
    name: str
    description: str
    origin: str
    keyphrases: list[str]
    quotes: list[str]
    count: int
    share: float
    stance: dict[str, int]
    confirmed: int
    signed_off: bool
    response_text: str
    notes: list[NoteView] = field(default_factory=list)


@dataclass(frozen=True)
class NoteView:
    author: str
    body: str
    at: dt.datetime


@dataclass(frozen=True)
class ProposalView:
    id: int
    kind: str
    theme_names: list[str]
    new_name: str
    reason: str
    proposer: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Board:
    consultation: Consultation
    question: Question
    answered: int
    unthemed: int
    cards: list[Card]
    last_edit: ThemeEdit | None
    proposals: list[ProposalView]


def get_question(db: Session, question_id: int) -> Question:
    q = db.get(Question, question_id)
    if q is None or q.kind != QuestionKind.FREE_TEXT:
        raise NotFound(str(question_id))
    return q


def board(db: Session, question_id: int, *, can_see_safeguarding: bool = False) -> Board:
    q = get_question(db, question_id)
    c = db.get(Consultation, q.consultation_id)
    assert c is not None
    answered = db.scalar(select(func.count(Answer.id)).where(Answer.question_id == q.id, Answer.text.is_not(None))) or 0
    themes = db.scalars(select(Theme).where(Theme.question_id == q.id).order_by(Theme.position, Theme.id)).all()
    ids = [t.id for t in themes]
    counts: dict[int, int] = {}
    stance: dict[int, dict[str, int]] = defaultdict(dict)
    confirmed: Counter[int] = Counter()
    # One pass over the assignments: count, stance split and officer-confirmed count per theme.
    # Counts by source come from a covering index; the stance split needs the answers.
    for theme_id, source, n in db.execute(
        select(ThemeAssignment.theme_id, ThemeAssignment.source, func.count())
        .where(ThemeAssignment.theme_id.in_(ids))
        .group_by(ThemeAssignment.theme_id, ThemeAssignment.source)
    ):
        counts[theme_id] = counts.get(theme_id, 0) + n
        if source == AssignmentSource.OFFICER:
            confirmed[theme_id] += n
    for theme_id, st, n in db.execute(
        select(ThemeAssignment.theme_id, Answer.stance, func.count())
        .join(Answer, Answer.id == ThemeAssignment.answer_id)
        .where(ThemeAssignment.theme_id.in_(ids))
        .group_by(ThemeAssignment.theme_id, Answer.stance)
    ):
        key = st if st in STANCES else "neutral"
        stance[theme_id][key] = stance[theme_id].get(key, 0) + n
    themed = (
        db.scalar(select(func.count(func.distinct(ThemeAssignment.answer_id))).where(ThemeAssignment.theme_id.in_(ids)))
        or 0
    )
    signed = set(db.scalars(select(ThemeSignoff.theme_id).where(ThemeSignoff.theme_id.in_(ids))))
    withheld = comment_service.withheld_texts(db, q.id, can_see_safeguarding=can_see_safeguarding)
    notes: dict[int, list[NoteView]] = defaultdict(list)
    for note, author in db.execute(
        select(ThemeNote, StaffUser.display_name)
        .outerjoin(StaffUser, StaffUser.id == ThemeNote.author_id)
        .where(ThemeNote.theme_id.in_(ids))
        .order_by(ThemeNote.created_at, ThemeNote.id)
    ):
        notes[note.theme_id].append(NoteView(author or "Former staff member", note.body, note.created_at))
    cards = [
        Card(
            id=t.id,
            name=t.name,
            description=t.description,
            origin=t.origin.value,
            keyphrases=list(t.keyphrases)[:6],
            quotes=[x for x in t.quotes if x not in withheld][:3],
            count=counts.get(t.id, 0),
            share=(counts.get(t.id, 0) / answered) if answered else 0.0,
            stance={s: stance[t.id].get(s, 0) for s in STANCES},
            confirmed=confirmed[t.id],
            signed_off=t.id in signed,
            response_text=t.response_text,
            notes=notes[t.id],
        )
        for t in themes
    ]
    cards.sort(key=lambda card: (-card.count, card.name))
    names = {t.id: t.name for t in themes}
    proposals = [
        ProposalView(
            p.id,
            p.kind,
            [names.get(int(i), "(deleted theme)") for i in p.theme_ids],
            p.new_name,
            p.reason,
            who or "Former staff member",
            p.created_at,
        )
        for p, who in db.execute(
            select(ThemeProposal, StaffUser.display_name)
            .outerjoin(StaffUser, StaffUser.id == ThemeProposal.proposer_id)
            .where(ThemeProposal.question_id == q.id, ThemeProposal.status == ProposalStatus.OPEN)
            .order_by(ThemeProposal.id)
        )
    ]
    return Board(c, q, answered, max(0, answered - themed), cards, last_edit(db, q.id), proposals)


def card(db: Session, theme_id: int, *, can_see_safeguarding: bool = False) -> Card:
    theme = db.get(Theme, theme_id)
    if theme is None:
        raise NotFound(str(theme_id))
    b = board(db, theme.question_id, can_see_safeguarding=can_see_safeguarding)
    return next(c for c in b.cards if c.id == theme_id)


def last_edit(db: Session, question_id: int) -> ThemeEdit | None:
    return db.scalars(
        select(ThemeEdit)
        .where(ThemeEdit.question_id == question_id, ThemeEdit.undone_at.is_(None))
        .order_by(ThemeEdit.id.desc())
        .limit(1)
    ).first()


def theme_options(db: Session, question_id: int) -> list[tuple[int, str]]:
    return [
        (t.id, t.name)
        for t in db.scalars(select(Theme).where(Theme.question_id == question_id).order_by(Theme.name, Theme.id))
    ]


# ---- Snapshots for undo -------------------------------------------------------------------

_THEME_FIELDS = (
    "id",
    "question_id",
    "key",
    "name",
    "description",
    "keyphrases",
    "quotes",
    "examples",
    "stance",
    "origin",
    "response_text",
    "position",
)


def _assignment_scope(question_id: int, theme_ids: Iterable[int], answer_ids: Iterable[int]) -> Any:
    in_question = select(Theme.id).where(Theme.question_id == question_id)
    return or_(
        ThemeAssignment.theme_id.in_(list(theme_ids)),
        ThemeAssignment.answer_id.in_(list(answer_ids)) & ThemeAssignment.theme_id.in_(in_question),
    )


def _rejection_scope(question_id: int, theme_ids: Iterable[int], answer_ids: Iterable[int]) -> Any:
    in_question = select(Theme.id).where(Theme.question_id == question_id)
    return or_(
        ThemeRejection.theme_id.in_(list(theme_ids)),
        ThemeRejection.answer_id.in_(list(answer_ids)) & ThemeRejection.theme_id.in_(in_question),
    )


def _snapshot(db: Session, question_id: int, theme_ids: Iterable[int], answer_ids: Iterable[int]) -> dict[str, Any]:
    """Everything an edit can change, as it is now: the themes, their assignments and rejections."""
    theme_ids, answer_ids = sorted(set(theme_ids)), sorted(set(answer_ids))
    themes = db.scalars(select(Theme).where(Theme.id.in_(theme_ids))).all()
    return {
        "theme_ids": theme_ids,
        "answer_ids": answer_ids,
        "themes": [
            {f: (getattr(t, f).value if f == "origin" else getattr(t, f)) for f in _THEME_FIELDS} for t in themes
        ],
        "assignments": [
            [a.theme_id, a.answer_id, a.confidence, a.source.value, a.officer_id]
            for a in db.scalars(select(ThemeAssignment).where(_assignment_scope(question_id, theme_ids, answer_ids)))
        ],
        "rejections": [
            [r.theme_id, r.answer_id, r.officer_id]
            for r in db.scalars(select(ThemeRejection).where(_rejection_scope(question_id, theme_ids, answer_ids)))
        ],
        "signoffs": [
            [s.theme_id, s.signed_off_by_id, s.signed_off_at.isoformat()]
            for s in db.scalars(select(ThemeSignoff).where(ThemeSignoff.theme_id.in_(theme_ids)))
        ],
        "notes": [
            [n.theme_id, n.author_id, n.body, n.created_at.isoformat()]
            for n in db.scalars(select(ThemeNote).where(ThemeNote.theme_id.in_(theme_ids)).order_by(ThemeNote.id))
        ],
        # Commitments that answer a theme lose the link if it is deleted; undo puts it back.
        "commitments": [
            [k.id, k.theme_id] for k in db.scalars(select(Commitment).where(Commitment.theme_id.in_(theme_ids)))
        ],
        "created": [],
    }


def _record(
    db: Session,
    actor_id: int,
    question_id: int,
    action: str,
    summary: str,
    undo: dict[str, Any],
    target_id: int | None,
    **detail: Any,
) -> ThemeEdit:
    event = audit.record(db, actor_id, action, "theme", target_id, **detail)
    db.flush()
    edit = ThemeEdit(
        question_id=question_id, actor_id=actor_id, audit_event_id=event.id, action=action, summary=summary, undo=undo
    )
    db.add(edit)
    db.flush()
    return edit


def undo_last(db: Session, actor_id: int, question_id: int, edit_id: int | None = None) -> ThemeEdit:
    """Undo the most recent edit on this question's board (if `edit_id` is given, only if it still is)."""
    get_question(db, question_id)
    edit = last_edit(db, question_id)
    if edit is None:
        raise Conflict("There is nothing to undo")
    if edit_id is not None and edit.id != edit_id:
        raise Conflict("Someone else has changed the themes since; reload the page to see the latest change")
    rerun = db.scalar(
        select(func.count(ThemingJob.id))
        .join(Question, Question.consultation_id == ThemingJob.consultation_id)
        .where(Question.id == question_id, ThemingJob.status == JobStatus.DONE, ThemingJob.finished_at > edit.at)
    )
    if rerun:
        raise Conflict("Theming has run again since this change, so it cannot be undone")
    snap = edit.undo
    theme_ids, answer_ids = snap["theme_ids"], snap["answer_ids"]
    if snap["created"]:
        db.execute(delete(Theme).where(Theme.id.in_(snap["created"])))
    db.execute(delete(ThemeAssignment).where(_assignment_scope(question_id, theme_ids, answer_ids)))
    db.execute(delete(ThemeRejection).where(_rejection_scope(question_id, theme_ids, answer_ids)))
    db.execute(delete(ThemeSignoff).where(ThemeSignoff.theme_id.in_(theme_ids)))
    db.flush()
    recreated = set()
    for row in snap["themes"]:
        theme = db.get(Theme, row["id"])
        if theme is None:
            theme = Theme(id=row["id"])
            db.add(theme)
            recreated.add(row["id"])
        for f in _THEME_FIELDS[1:]:
            setattr(theme, f, ThemeOrigin(row[f]) if f == "origin" else row[f])
    db.flush()
    # A comment erased since the edit (a resident's erasure request) stays erased.
    alive = set(db.scalars(select(Answer.id).where(Answer.question_id == question_id)))
    for theme_id, answer_id, confidence, source, officer_id in snap["assignments"]:
        if answer_id not in alive:
            continue
        db.add(
            ThemeAssignment(
                theme_id=theme_id,
                answer_id=answer_id,
                confidence=confidence,
                source=AssignmentSource(source),
                officer_id=officer_id,
            )
        )
    for theme_id, answer_id, officer_id in snap["rejections"]:
        if answer_id not in alive:
            continue
        db.add(ThemeRejection(theme_id=theme_id, answer_id=answer_id, officer_id=officer_id))
    for theme_id, author_id, body, at in snap.get("notes", []):
        if theme_id in recreated:  # a deleted theme's notes come back with it
            db.add(
                ThemeNote(theme_id=theme_id, author_id=author_id, body=body, created_at=dt.datetime.fromisoformat(at))
            )
    for commitment_id, theme_id in snap.get("commitments", []):
        commitment = db.get(Commitment, commitment_id)
        if commitment is not None:
            commitment.theme_id = theme_id
    for theme_id, by, at in snap["signoffs"]:
        db.add(ThemeSignoff(theme_id=theme_id, signed_off_by_id=by, signed_off_at=dt.datetime.fromisoformat(at)))
    edit.undone_at = utcnow()
    audit.record(
        db,
        actor_id,
        "theme.edit_undone",
        "theme_edit",
        edit.id,
        undid=edit.action,
        summary=edit.summary,
        audit_event_id=edit.audit_event_id,
    )
    db.commit()
    return edit


# ---- Edits ---------------------------------------------------------------------------------


def _theme(db: Session, theme_id: int) -> Theme:
    theme = db.get(Theme, theme_id)
    if theme is None:
        raise NotFound(str(theme_id))
    return theme


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed({"name": "Enter a name for the theme"})
    if len(name) > MAX_NAME:
        raise ValidationFailed({"name": f"Theme name must be {MAX_NAME} characters or fewer"})
    return name


def _answers_in(db: Session, question_id: int, answer_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(answer_ids))
    found = list(db.scalars(select(Answer.id).where(Answer.id.in_(ids), Answer.question_id == question_id)))
    if len(found) != len(ids):
        raise NotFound("comment")
    return found


def _unsign(db: Session, theme_ids: Iterable[int]) -> None:
    # A theme that changes needs signing off again.
    db.execute(delete(ThemeSignoff).where(ThemeSignoff.theme_id.in_(list(theme_ids))))


def rename(db: Session, actor_id: int, theme_id: int, name: str, description: str | None = None) -> Theme:
    theme = _theme(db, theme_id)
    name = _clean_name(name)
    description = theme.description if description is None else description.strip()[:2000]
    snap = _snapshot(db, theme.question_id, [theme.id], [])
    before = {"name": theme.name, "description": theme.description, "origin": theme.origin.value}
    theme.name, theme.description, theme.origin = name, description, ThemeOrigin.OFFICER
    _unsign(db, [theme.id])
    _record(
        db,
        actor_id,
        theme.question_id,
        "theme.renamed",
        f"Renamed “{before['name']}” to “{name}”",
        snap,
        theme.id,
        before=before,
        after={"name": name, "description": description, "origin": "officer"},
    )
    db.commit()
    return theme


def create(
    db: Session, actor_id: int, question_id: int, name: str, description: str = "", answer_ids: Iterable[int] = ()
) -> Theme:
    q = get_question(db, question_id)
    name = _clean_name(name)
    ids = _answers_in(db, q.id, answer_ids)
    snap = _snapshot(db, q.id, [], ids)
    position = (db.scalar(select(func.max(Theme.position)).where(Theme.question_id == q.id)) or 0) + 1
    theme = Theme(
        question_id=q.id,
        key=f"officer-{secrets.token_hex(6)}",
        name=name,
        description=description.strip()[:2000],
        origin=ThemeOrigin.OFFICER,
        position=position,
    )
    db.add(theme)
    db.flush()
    for answer_id in ids:
        _place(db, actor_id, q.id, answer_id, theme.id)
    snap["created"] = [theme.id]
    _record(
        db,
        actor_id,
        q.id,
        "theme.created",
        f"Created “{name}”",
        snap,
        theme.id,
        before=None,
        after={"name": name, "comments": len(ids)},
    )
    db.commit()
    return theme


def remove(db: Session, actor_id: int, theme_id: int) -> None:
    theme = _theme(db, theme_id)
    snap = _snapshot(db, theme.question_id, [theme.id], [])
    count = len(snap["assignments"])
    db.delete(theme)
    _record(
        db,
        actor_id,
        theme.question_id,
        "theme.deleted",
        f"Deleted “{theme.name}”",
        snap,
        theme.id,
        before={"name": theme.name, "comments": count},
        after=None,
    )
    db.commit()


def merge(db: Session, actor_id: int, theme_ids: Iterable[int], name: str) -> Theme:
    ids = sorted(set(theme_ids))
    if len(ids) < 2:
        raise ValidationFailed({"theme_ids": "Choose 2 or more themes to merge"})
    themes = db.scalars(select(Theme).where(Theme.id.in_(ids))).all()
    if len(themes) != len(ids):
        raise NotFound("theme")
    if len({t.question_id for t in themes}) != 1:
        raise Conflict("Themes can only be merged within one question")
    question_id = themes[0].question_id
    name = _clean_name(name)
    counts = dict(
        db.execute(
            select(ThemeAssignment.theme_id, func.count())
            .where(ThemeAssignment.theme_id.in_(ids))
            .group_by(ThemeAssignment.theme_id)
        ).all()
    )
    # The largest theme survives, so most comments keep their place and links to it keep working.
    survivor = max(themes, key=lambda t: (counts.get(t.id, 0), -t.id))
    others = [t for t in themes if t.id != survivor.id]
    snap = _snapshot(db, question_id, ids, [])
    before = [{"id": t.id, "name": t.name, "comments": counts.get(t.id, 0)} for t in themes]
    best: dict[int, ThemeAssignment] = {}
    rows = db.scalars(select(ThemeAssignment).where(ThemeAssignment.theme_id.in_(ids))).all()
    for a in rows:
        keep = best.get(a.answer_id)
        if keep is None or (a.source, a.confidence) > (keep.source, keep.confidence):
            best[a.answer_id] = a
    merged = {answer_id: (a.confidence, a.source, a.officer_id) for answer_id, a in best.items()}  # one row per comment
    db.execute(delete(ThemeAssignment).where(ThemeAssignment.theme_id.in_(ids)))
    survivor.name = name
    survivor.origin = ThemeOrigin.OFFICER
    survivor.examples = list(dict.fromkeys([*survivor.examples, *[e for t in others for e in t.examples]]))[:50]
    survivor.quotes = list(dict.fromkeys([*survivor.quotes, *[q for t in others for q in t.quotes]]))[:6]
    survivor.keyphrases = list(dict.fromkeys([*survivor.keyphrases, *[k for t in others for k in t.keyphrases]]))[:10]
    responses = [t.response_text for t in [survivor, *others] if t.response_text]
    survivor.response_text = "\n\n".join(dict.fromkeys(responses))
    for t in others:
        db.delete(t)
    db.flush()
    for answer_id, (confidence, source, officer_id) in merged.items():
        db.add(
            ThemeAssignment(
                theme_id=survivor.id, answer_id=answer_id, confidence=confidence, source=source, officer_id=officer_id
            )
        )
    _unsign(db, [survivor.id])
    _record(
        db,
        actor_id,
        question_id,
        "theme.merged",
        f"Merged {len(themes)} themes into “{name}”",
        snap,
        survivor.id,
        before=before,
        after={"id": survivor.id, "name": name, "comments": len(merged)},
    )
    db.commit()
    return survivor


def split(db: Session, actor_id: int, theme_id: int, answer_ids: Iterable[int], name: str) -> Theme:
    theme = _theme(db, theme_id)
    name = _clean_name(name)
    ids = sorted(set(answer_ids))
    if not ids:
        raise ValidationFailed({"answer_ids": "Choose the comments to move into the new theme"})
    in_theme = set(
        db.scalars(
            select(ThemeAssignment.answer_id).where(
                ThemeAssignment.theme_id == theme.id, ThemeAssignment.answer_id.in_(ids)
            )
        )
    )
    if in_theme != set(ids):
        raise Conflict("Some of those comments are no longer in this theme; reload the page")
    snap = _snapshot(db, theme.question_id, [theme.id], ids)
    position = (db.scalar(select(func.max(Theme.position)).where(Theme.question_id == theme.question_id)) or 0) + 1
    new = Theme(
        question_id=theme.question_id,
        key=f"officer-{secrets.token_hex(6)}",
        name=name,
        origin=ThemeOrigin.OFFICER,
        position=position,
    )
    db.add(new)
    db.flush()
    for answer_id in ids:
        _unplace(db, actor_id, answer_id, theme.id, record_rejection=False)
        _place(db, actor_id, theme.question_id, answer_id, new.id)
    _unsign(db, [theme.id])
    snap["created"] = [new.id]
    _record(
        db,
        actor_id,
        theme.question_id,
        "theme.split",
        f"Split {len(ids)} comments out of “{theme.name}” into “{name}”",
        snap,
        new.id,
        before={"id": theme.id, "name": theme.name},
        after={"from_id": theme.id, "id": new.id, "name": name, "comments": len(ids)},
    )
    db.commit()
    return new


def _place(db: Session, actor_id: int, question_id: int, answer_id: int, theme_id: int) -> None:
    """An officer puts a comment in a theme. All the comment's themes become officer decisions,
    because a re-run keeps exactly the themes an officer gave a comment."""
    existing = db.scalars(
        select(ThemeAssignment).where(
            ThemeAssignment.answer_id == answer_id,
            ThemeAssignment.theme_id.in_(select(Theme.id).where(Theme.question_id == question_id)),
        )
    ).all()
    found = False
    for a in existing:
        if a.theme_id == theme_id:
            found = True
            a.confidence = 1.0
        if a.source != AssignmentSource.OFFICER:
            a.source, a.officer_id = AssignmentSource.OFFICER, actor_id
        if a.theme_id == theme_id:
            a.officer_id = actor_id
    if not found:
        db.add(
            ThemeAssignment(
                theme_id=theme_id,
                answer_id=answer_id,
                confidence=1.0,
                source=AssignmentSource.OFFICER,
                officer_id=actor_id,
            )
        )
    db.execute(delete(ThemeRejection).where(ThemeRejection.theme_id == theme_id, ThemeRejection.answer_id == answer_id))


def _unplace(db: Session, actor_id: int, answer_id: int, theme_id: int, *, record_rejection: bool) -> None:
    db.execute(
        delete(ThemeAssignment).where(ThemeAssignment.theme_id == theme_id, ThemeAssignment.answer_id == answer_id)
    )
    if record_rejection:
        db.add(ThemeRejection(theme_id=theme_id, answer_id=answer_id, officer_id=actor_id))


def _assigned(db: Session, answer_id: int, theme_id: int) -> bool:
    return (
        db.scalar(
            select(func.count()).where(ThemeAssignment.answer_id == answer_id, ThemeAssignment.theme_id == theme_id)
        )
        or 0
    ) > 0


def move(db: Session, actor_id: int, answer_id: int, from_theme_id: int | None, to_theme_id: int) -> None:
    """Move a comment from one theme to another (or, with no `from`, add it to a theme)."""
    to = _theme(db, to_theme_id)
    _answers_in(db, to.question_id, [answer_id])
    source = _theme(db, from_theme_id) if from_theme_id else None
    if source is not None and source.question_id != to.question_id:
        raise Conflict("A comment can only move between themes of its own question")
    if source is not None and not _assigned(db, answer_id, source.id):
        raise Conflict("That comment is no longer in that theme; reload the page")
    if source is not None and source.id == to.id:
        raise ValidationFailed({"to": "Choose a different theme"})
    theme_ids = [to.id] + ([source.id] if source else [])
    snap = _snapshot(db, to.question_id, [], [answer_id])
    if source is not None:
        _unplace(db, actor_id, answer_id, source.id, record_rejection=False)
    _place(db, actor_id, to.question_id, answer_id, to.id)
    _unsign(db, theme_ids)
    _record(
        db,
        actor_id,
        to.question_id,
        "theme.comment_moved",
        f"Moved a comment from “{source.name}” to “{to.name}”" if source else f"Added a comment to “{to.name}”",
        snap,
        to.id,
        answer_id=answer_id,
        before={"theme_id": source.id if source else None, "name": source.name if source else None},
        after={"theme_id": to.id, "name": to.name},
    )
    db.commit()


def confirm(db: Session, actor_id: int, answer_id: int, theme_id: int) -> None:
    theme = _theme(db, theme_id)
    if not _assigned(db, answer_id, theme.id):
        raise Conflict("That comment is no longer in that theme; reload the page")
    snap = _snapshot(db, theme.question_id, [], [answer_id])
    _place(db, actor_id, theme.question_id, answer_id, theme.id)
    _record(
        db,
        actor_id,
        theme.question_id,
        "theme.assignment_confirmed",
        f"Confirmed a comment in “{theme.name}”",
        snap,
        theme.id,
        answer_id=answer_id,
        before={"source": "model"},
        after={"source": "officer"},
    )
    db.commit()


def reject(db: Session, actor_id: int, answer_id: int, theme_id: int) -> None:
    theme = _theme(db, theme_id)
    if not _assigned(db, answer_id, theme.id):
        raise Conflict("That comment is no longer in that theme; reload the page")
    snap = _snapshot(db, theme.question_id, [], [answer_id])
    _unplace(db, actor_id, answer_id, theme.id, record_rejection=True)
    # The comment's remaining themes are now the officer's decision too.
    for a in db.scalars(
        select(ThemeAssignment).where(
            ThemeAssignment.answer_id == answer_id,
            ThemeAssignment.theme_id.in_(select(Theme.id).where(Theme.question_id == theme.question_id)),
        )
    ):
        a.source, a.officer_id = AssignmentSource.OFFICER, actor_id
    _unsign(db, [theme.id])
    _record(
        db,
        actor_id,
        theme.question_id,
        "theme.assignment_rejected",
        f"Took a comment out of “{theme.name}”",
        snap,
        theme.id,
        answer_id=answer_id,
        before={"theme_id": theme.id},
        after={"theme_id": None},
    )
    db.commit()


# ---- Sign-off, notes and proposals -----------------------------------------------------------


def sign_off(db: Session, actor_id: int, theme_id: int, signed: bool = True) -> None:
    theme = _theme(db, theme_id)
    current = db.scalars(select(ThemeSignoff).where(ThemeSignoff.theme_id == theme.id)).first()
    if signed and current is None:
        db.add(ThemeSignoff(theme_id=theme.id, signed_off_by_id=actor_id))
    elif not signed and current is not None:
        db.delete(current)
    else:
        return
    audit.record(
        db,
        actor_id,
        "theme.signed_off" if signed else "theme.sign_off_withdrawn",
        "theme",
        theme.id,
        before={"signed_off": not signed},
        after={"signed_off": signed},
    )
    db.commit()


def add_note(db: Session, actor_id: int, theme_id: int, body: str) -> ThemeNote:
    theme = _theme(db, theme_id)
    body = body.strip()
    if not body:
        raise ValidationFailed({"body": "Enter your comment"})
    note = ThemeNote(theme_id=theme.id, author_id=actor_id, body=body[:4000])
    db.add(note)
    db.flush()
    audit.record(db, actor_id, "theme.note_added", "theme", theme.id, note_id=note.id)
    db.commit()
    return note


def propose(
    db: Session, actor_id: int, question_id: int, kind: str, theme_ids: Iterable[int], new_name: str, reason: str = ""
) -> ThemeProposal:
    q = get_question(db, question_id)
    ids = sorted(set(theme_ids))
    if kind not in ("rename", "merge"):
        raise ValidationFailed({"kind": "Choose rename or merge"})
    if kind == "rename" and len(ids) != 1:
        raise ValidationFailed({"theme_ids": "Choose the theme to rename"})
    if kind == "merge" and len(ids) < 2:
        raise ValidationFailed({"theme_ids": "Choose 2 or more themes to merge"})
    found = db.scalar(select(func.count(Theme.id)).where(Theme.id.in_(ids), Theme.question_id == q.id))
    if found != len(ids):
        raise NotFound("theme")
    proposal = ThemeProposal(
        question_id=q.id,
        kind=kind,
        theme_ids=ids,
        new_name=_clean_name(new_name),
        reason=reason.strip()[:2000],
        proposer_id=actor_id,
    )
    db.add(proposal)
    db.flush()
    audit.record(
        db,
        actor_id,
        "theme.change_proposed",
        "theme_proposal",
        proposal.id,
        kind=kind,
        theme_ids=ids,
        after={"name": proposal.new_name},
    )
    db.commit()
    return proposal


def decide(db: Session, actor_id: int, proposal_id: int, accept: bool) -> ThemeProposal:
    proposal = db.get(ThemeProposal, proposal_id)
    if proposal is None:
        raise NotFound(str(proposal_id))
    if proposal.status != ProposalStatus.OPEN:
        raise Conflict("That proposal has already been decided")
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
    proposal.decided_by_id = actor_id
    proposal.decided_at = utcnow()
    audit.record(
        db,
        actor_id,
        "theme.proposal_accepted" if accept else "theme.proposal_rejected",
        "theme_proposal",
        proposal.id,
        before={"status": "open"},
        after={"status": proposal.status.value},
    )
    db.flush()
    if accept:
        # Applied as an ordinary edit: recorded, and undoable.
        ids = [int(i) for i in proposal.theme_ids]
        if proposal.kind == "rename":
            rename(db, actor_id, ids[0], proposal.new_name)
        else:
            merge(db, actor_id, ids, proposal.new_name)
    db.commit()
    return proposal


def history(db: Session, question_id: int, limit: int = 20) -> list[tuple[ThemeEdit, str]]:
    return [
        (edit, who or "Former staff member")
        for edit, who in db.execute(
            select(ThemeEdit, StaffUser.display_name)
            .outerjoin(StaffUser, StaffUser.id == ThemeEdit.actor_id)
            .where(ThemeEdit.question_id == question_id)
            .order_by(ThemeEdit.id.desc())
            .limit(limit)
        )
    ]
