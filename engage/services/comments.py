"""The comment list beside the theme board, the flag queue, and who may see which flags.

Only redacted text is ever listed or searched. Search uses the full-text index created by
migration 0003 (FTS5 on SQLite, a GIN expression index on PostgreSQL). Pagination is by keyset
on the answer id, so page 400 costs what page 1 costs. Filters and sort keys are allow-listed.

Safeguarding flags are seen only by the safeguarding lead. Comments carrying one are left out of
the lists that coalition members and moderators see, and out of published quotes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, exists, func, literal_column, or_, select, table, text
from sqlalchemy.orm import Session

from engage.models import (
    Answer,
    Audience,
    Channel,
    CommentModeration,
    Question,
    Response,
    Role,
    Theme,
    ThemeAssignment,
    utcnow,
)
from engage.services import audit
from engage.services.errors import NotFound, ValidationFailed

PAGE_SIZE = 25
STANCES = ("support", "oppose", "mixed", "neutral")
SORTS = {"newest": "Newest first", "oldest": "Oldest first"}
PUBLIC_FLAGS = ("abuse", "spam")  # what moderators handle
SAFEGUARDING = "safeguarding"
MAX_QUERY = 200
# Control characters and non-characters: never meant, and invalid in the page that shows the search.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def can_see_safeguarding(role: Role) -> bool:
    return role == Role.SAFEGUARDING_LEAD


def withholds_safeguarded_comments(role: Role) -> bool:
    """Coalition members and moderators never see comments with a safeguarding flag."""
    return role in (Role.COALITION_MEMBER, Role.MODERATOR)


def visible_flags(role: Role) -> tuple[str, ...]:
    return (*PUBLIC_FLAGS, SAFEGUARDING) if can_see_safeguarding(role) else PUBLIC_FLAGS


def has_flag(kind: str) -> Any:
    # Flags are stored as a JSON list of {"kind": ..., "reason": ...}; kinds are from a fixed list.
    assert re.fullmatch(r"[a-z_]+", kind)
    return cast(Answer.flags, Text).like(f'%"kind": "{kind}"%')


@dataclass(frozen=True)
class Filters:
    theme: int | None = None
    unthemed: bool = False
    stance: str | None = None
    channel: str | None = None
    audience: str | None = None
    flag: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    sort: str = "newest"

    def query_items(self) -> list[tuple[str, str]]:
        items = [
            ("theme", "none" if self.unthemed else (str(self.theme) if self.theme else "")),
            ("stance", self.stance or ""),
            ("channel", self.channel or ""),
            ("audience", self.audience or ""),
            ("flag", self.flag or ""),
            ("from", self.date_from.isoformat() if self.date_from else ""),
            ("to", self.date_to.isoformat() if self.date_to else ""),
            ("q", self.q),
            ("sort", self.sort if self.sort != "newest" else ""),
        ]
        return [(k, v) for k, v in items if v]


def parse_filters(params: Mapping[str, str], role: Role) -> Filters:
    """Query parameters → filters; anything not on an allow-list is ignored."""

    def pick(name: str, allowed: tuple[str, ...] | list[str]) -> str | None:
        value = params.get(name, "")
        return value if value in allowed else None

    def date(name: str) -> dt.date | None:
        try:
            day = dt.date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None
        # The last day there is has no day after it ("to" filters up to the next midnight).
        return day if day < dt.date.max else None

    theme_raw = params.get("theme", "")
    return Filters(
        theme=int(theme_raw) if theme_raw.isdigit() and len(theme_raw) < 12 else None,
        unthemed=theme_raw == "none",
        stance=pick("stance", STANCES),
        channel=pick("channel", [c.value for c in Channel]),
        audience=pick("audience", [a.value for a in Audience]),
        flag=pick("flag", [*visible_flags(role), "hidden", "any"]),
        date_from=date("from"),
        date_to=date("to"),
        q=" ".join(_UNWANTED.sub("", params.get("q", "")).split())[:MAX_QUERY],
        sort=pick("sort", tuple(SORTS)) or "newest",
    )


@dataclass(frozen=True)
class CommentTheme:
    id: int
    name: str
    source: str
    confidence: float


@dataclass(frozen=True)
class CommentRow:
    answer_id: int
    reference: str
    redacted: str | None
    stance: str | None
    channel: str
    audience: str
    submitted_at: dt.datetime
    flags: list[dict[str, str]]
    themes: list[CommentTheme]
    hidden: bool
    hidden_reason: str
    reviewed: bool


@dataclass(frozen=True)
class CommentPage:
    question_id: int
    rows: list[CommentRow]
    total: int
    next_cursor: int | None
    filters: Filters
    cursor: int | None = None
    withheld_note: bool = field(default=False)


def _search_condition(db: Session, q: str) -> Any:
    words = re.findall(r"\w+", q)[:12]
    if not words:
        return None
    if db.get_bind().dialect.name == "sqlite":
        match = " ".join('"' + w.replace('"', "") + '"' for w in words)
        ids: Any = (
            select(literal_column("rowid"))
            .select_from(table("answers_fts"))
            .where(text("answers_fts MATCH :fts_query").bindparams(fts_query=match))
        )
        return Answer.id.in_(ids)
    # The expression must match the index in migration 0003 exactly.
    return text(
        "to_tsvector('english', coalesce(answers.redacted, '')) @@ plainto_tsquery('english', :fts_query)"
    ).bindparams(fts_query=" ".join(words))


def _conditions(db: Session, question_id: int, f: Filters, role: Role) -> list[Any]:
    conds: list[Any] = [Answer.question_id == question_id, Answer.text.is_not(None)]
    if f.theme:
        conds.append(exists().where(ThemeAssignment.answer_id == Answer.id, ThemeAssignment.theme_id == f.theme))
    if f.unthemed:
        conds.append(~exists().where(ThemeAssignment.answer_id == Answer.id))
    if f.stance:
        conds.append(Answer.stance == f.stance)
    if f.channel:
        conds.append(Response.channel == Channel(f.channel))
    if f.audience:
        conds.append(Response.audience == Audience(f.audience))
    if f.date_from:
        conds.append(Response.submitted_at >= dt.datetime.combine(f.date_from, dt.time()))
    if f.date_to:
        conds.append(Response.submitted_at < dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time()))
    if f.flag == "hidden":
        conds.append(exists().where(CommentModeration.answer_id == Answer.id, CommentModeration.hidden.is_(True)))
    elif f.flag == "any":
        conds.append(or_(*[has_flag(k) for k in visible_flags(role)]))
    elif f.flag:
        conds.append(has_flag(f.flag))
    if withholds_safeguarded_comments(role):
        conds.append(or_(Answer.flags.is_(None), ~has_flag(SAFEGUARDING)))
    if f.q:
        search = _search_condition(db, f.q)
        if search is not None:
            conds.append(search)
    return conds


def list_comments(
    db: Session, question_id: int, filters: Filters, role: Role, cursor: int | None = None, page_size: int = PAGE_SIZE
) -> CommentPage:
    q = db.get(Question, question_id)
    if q is None:
        raise NotFound(str(question_id))
    conds = _conditions(db, question_id, filters, role)
    base = select(Answer.id).join(Response, Response.id == Answer.response_id).where(*conds)
    total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
    newest = filters.sort == "newest"
    page_q = (
        select(Answer, Response.reference, Response.channel, Response.audience, Response.submitted_at)
        .join(Response, Response.id == Answer.response_id)
        .where(*conds)
    )
    if cursor:
        page_q = page_q.where(Answer.id < cursor if newest else Answer.id > cursor)
    page_q = page_q.order_by(Answer.id.desc() if newest else Answer.id).limit(page_size + 1)
    found = db.execute(page_q).all()
    more = len(found) > page_size
    found = found[:page_size]
    rows = _rows(db, found, role)
    return CommentPage(question_id, rows, total, rows[-1].answer_id if more and rows else None, filters, cursor)


def _rows(db: Session, found: Sequence[Any], role: Role) -> list[CommentRow]:
    ids = [r[0].id for r in found]
    themes: dict[int, list[CommentTheme]] = defaultdict(list)
    for answer_id, tid, name, source, conf in db.execute(
        select(ThemeAssignment.answer_id, Theme.id, Theme.name, ThemeAssignment.source, ThemeAssignment.confidence)
        .join(Theme, Theme.id == ThemeAssignment.theme_id)
        .where(ThemeAssignment.answer_id.in_(ids))
        .order_by(Theme.name)
    ):
        themes[answer_id].append(CommentTheme(tid, name, source.value, conf))
    moderation = {
        m.answer_id: m for m in db.scalars(select(CommentModeration).where(CommentModeration.answer_id.in_(ids)))
    }
    allowed = set(visible_flags(role))
    out = []
    for answer, reference, channel, audience, submitted_at in found:
        m = moderation.get(answer.id)
        out.append(
            CommentRow(
                answer_id=answer.id,
                reference=reference,
                redacted=answer.redacted,
                stance=answer.stance,
                channel=channel.value,
                audience=audience.value,
                submitted_at=submitted_at,
                flags=[f for f in (answer.flags or []) if f.get("kind") in allowed],
                themes=themes[answer.id],
                hidden=bool(m and m.hidden),
                hidden_reason=m.hidden_reason if m else "",
                reviewed=m is not None,
            )
        )
    return out


def comment(db: Session, answer_id: int, role: Role) -> CommentRow:
    found = db.execute(
        select(Answer, Response.reference, Response.channel, Response.audience, Response.submitted_at)
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.id == answer_id)
    ).all()
    if not found:
        raise NotFound(str(answer_id))
    row = _rows(db, found, role)[0]
    if withholds_safeguarded_comments(role) and any(f.get("kind") == SAFEGUARDING for f in (found[0][0].flags or [])):
        raise NotFound(str(answer_id))
    return row


def withheld_texts(db: Session, question_id: int, *, can_see_safeguarding: bool = False) -> set[str]:
    """Redacted texts never to be quoted: hidden by a moderator, or (for most viewers) safeguarding."""
    conds = [exists().where(CommentModeration.answer_id == Answer.id, CommentModeration.hidden.is_(True))]
    if not can_see_safeguarding:
        conds.append(has_flag(SAFEGUARDING))
    return set(
        db.scalars(
            select(Answer.redacted).where(Answer.question_id == question_id, Answer.redacted.is_not(None), or_(*conds))
        )
    )


# ---- The flag queue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    row: CommentRow
    question: str


def flag_queue(db: Session, consultation_id: int, role: Role, include_reviewed: bool = False) -> list[QueueItem]:
    """Flagged comments for whoever handles them: abuse and spam for moderators, safeguarding for
    the safeguarding lead."""
    kinds = [SAFEGUARDING] if role == Role.SAFEGUARDING_LEAD else list(PUBLIC_FLAGS)
    conds = [Question.consultation_id == consultation_id, or_(*[has_flag(k) for k in kinds])]
    if withholds_safeguarded_comments(role):
        conds.append(~has_flag(SAFEGUARDING))
    if not include_reviewed:
        conds.append(~exists().where(CommentModeration.answer_id == Answer.id))
    found = db.execute(
        select(Answer, Response.reference, Response.channel, Response.audience, Response.submitted_at, Question.text)
        .join(Response, Response.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .where(*conds)
        .order_by(Answer.id)
        .limit(200)
    ).all()
    rows = _rows(db, [r[:5] for r in found], role)
    return [QueueItem(row, r[5]) for row, r in zip(rows, found, strict=True)]


def moderate(
    db: Session,
    actor_id: int,
    role: Role,
    answer_id: int,
    action: str,
    reason: str = "",
    consultation_id: int | None = None,
) -> None:
    """Mark a flagged comment reviewed, hide it from publication (with a reason), or show it again."""
    answer = db.get(Answer, answer_id)
    if answer is None:
        raise NotFound(str(answer_id))
    if consultation_id is not None:
        q = db.get(Question, answer.question_id)
        if q is None or q.consultation_id != consultation_id:
            raise NotFound(str(answer_id))
    kinds = {f.get("kind") for f in (answer.flags or [])}
    if SAFEGUARDING in kinds and role != Role.SAFEGUARDING_LEAD:
        raise NotFound(str(answer_id))  # others must not learn that the flag exists
    if action not in ("reviewed", "hide", "unhide"):
        raise ValidationFailed({"action": "Choose what to do with the comment"})
    reason = reason.strip()[:1000]
    if action == "hide" and not reason:
        raise ValidationFailed({"reason": "Enter why the comment is hidden from publication"})
    m = db.scalars(select(CommentModeration).where(CommentModeration.answer_id == answer_id)).first()
    before = {"reviewed": m is not None, "hidden": bool(m and m.hidden)}
    if m is None:
        m = CommentModeration(answer_id=answer_id)
        db.add(m)
    m.reviewed_by_id, m.reviewed_at = actor_id, utcnow()
    if action == "hide":
        m.hidden, m.hidden_reason = True, reason
    elif action == "unhide":
        m.hidden, m.hidden_reason = False, ""
    # The reason is the moderator's words, not the resident's.
    audit.record(
        db,
        actor_id,
        f"comment.{action}",
        "answer",
        answer_id,
        before=before,
        after={"reviewed": True, "hidden": m.hidden, "reason": m.hidden_reason},
    )
    db.commit()


def publishable_themes(db: Session, consultation: Any) -> list[Any]:
    """`theming.question_themes` for the public: no quote from a hidden or safeguarding-flagged comment."""
    from dataclasses import replace

    from engage.services import theming

    out = []
    for qt in theming.question_themes(db, consultation):
        withheld = withheld_texts(db, qt.question.id)
        themes = [replace(t, quotes=[x for x in t.quotes if x not in withheld]) for t in qt.themes]
        out.append(replace(qt, themes=themes))
    return out
