"""Forums: spaces with threads and replies, moderation, and reports.

Each space is backed by a consultation (kind "forum") with one free-text question; every post
is a response (channel "forum") whose answer holds the words, so posts are themed, redacted and
flagged like any response. People post under a display name only: no email is asked for.
Hiding and approving are logged in the audit log, with the moderator's reason, and exported.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from slugify import slugify
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engage import csvsafe
from engage.models import (
    Answer,
    Audience,
    AuditEvent,
    Channel,
    Consultation,
    ConsultationKind,
    ForumPost,
    ForumSpace,
    ForumThread,
    PostReport,
    PostStatus,
    Question,
    QuestionKind,
    Response,
    StaffUser,
    Status,
    utcnow,
)
from engage.services import audit, consultations, responses
from engage.services.errors import Conflict, NotFound, ValidationFailed

MAX_POST_CHARS = 5000
REPORT_REASONS = {
    "unkind": "It is unkind, abusive or hateful",
    "personal": "It shares someone's personal details",
    "unsafe": "It makes me worried about someone's safety",
    "spam": "It is spam or advertising",
    "other": "Something else",
}
DEFAULT_SPACES = [
    (
        "Youth forum",
        "For young people under 18 to talk about what matters to them in Northbridge. "
        "Posts appear after a moderator has checked them.",
        Audience.YOUNG_PERSON,
        True,
    ),
    (
        "Parents' forum",
        "For parents and carers to talk about schools, childcare and family life.",
        Audience.PARENT,
        False,
    ),
]
_EMAILISH = re.compile(r"\S+@\S+")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_REMOVED = "[email address removed]"


def hide_emails(text: str) -> str:
    """No one's email address is ever shown on the forums, even if someone types one into a post."""
    return _EMAIL_IN_TEXT.sub(EMAIL_REMOVED, text)


# ---- Spaces ---------------------------------------------------------------------------------


def create_space(
    db: Session, name: str, description: str, audience: Audience, premoderated: bool, slug: str | None = None
) -> ForumSpace:
    slug = slug or slugify(name, max_length=100)
    c = Consultation(
        slug=f"forum-{slug}",
        title=f"Forum: {name}",
        summary=description[:600],
        audiences=[audience.value],
        status=Status.OPEN,
        kind=ConsultationKind.FORUM,
        young_people=audience == Audience.YOUNG_PERSON,
    )
    db.add(c)
    db.flush()
    q = Question(consultation_id=c.id, position=1, kind=QuestionKind.FREE_TEXT, text=f"Posts in the {name.lower()}")
    db.add(q)
    db.flush()
    space = ForumSpace(
        slug=slug,
        name=name,
        description=description,
        audience=audience,
        premoderated=premoderated,
        consultation_id=c.id,
        question_id=q.id,
    )
    db.add(space)
    db.flush()
    return space


def add_space(
    db: Session, actor_id: int, name: str, description: str, audience: Audience, premoderated: bool
) -> ForumSpace:
    """A new space. Spaces for young people are always pre-moderated."""
    spaces(db)  # the defaults first, so their names stay theirs
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": "Enter the name of the space"})
    slug = slugify(name, max_length=100)
    taken = db.scalar(select(ForumSpace.id).where(ForumSpace.slug == slug)) or db.scalar(
        select(Consultation.id).where(Consultation.slug == f"forum-{slug}")
    )
    if not slug or taken:
        raise ValidationFailed({"name": "There is already a space with this name"})
    space = create_space(
        db, name, description.strip(), audience, premoderated or audience == Audience.YOUNG_PERSON, slug=slug
    )
    audit.record(db, actor_id, "forum.space_added", "forum_space", space.id, name=name)
    db.commit()
    return space


def spaces(db: Session) -> list[ForumSpace]:
    """The spaces, with the default youth and parents' forums created the first time."""
    found = list(db.scalars(select(ForumSpace).order_by(ForumSpace.id)))
    if not found:
        for name, description, audience, premoderated in DEFAULT_SPACES:
            found.append(create_space(db, name, description, audience, premoderated))
    db.commit()
    return found


def get_space(db: Session, slug: str) -> ForumSpace:
    space = db.scalars(select(ForumSpace).where(ForumSpace.slug == slug)).first()
    if space is None:
        raise NotFound(slug)
    return space


# ---- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadRow:
    id: int
    title: str
    posts: int
    last_post_at: object


@dataclass(frozen=True)
class PostView:
    id: int
    display_name: str
    text: str
    created_at: object
    status: str


def threads(db: Session, space: ForumSpace) -> list[ThreadRow]:
    """Threads with at least one visible post, most recently active first."""
    rows = db.execute(
        select(ForumThread.id, ForumThread.title, func.count(ForumPost.id), func.max(ForumPost.created_at))
        .join(ForumPost, ForumPost.thread_id == ForumThread.id)
        .where(ForumThread.space_id == space.id, ForumPost.status == PostStatus.VISIBLE)
        .group_by(ForumThread.id, ForumThread.title)
        .order_by(func.max(ForumPost.created_at).desc())
    ).all()
    return [ThreadRow(r[0], hide_emails(r[1]), r[2], r[3]) for r in rows]


def get_thread(db: Session, space: ForumSpace, thread_id: int) -> tuple[ForumThread, list[PostView]]:
    thread = db.get(ForumThread, thread_id)
    if thread is None or thread.space_id != space.id:
        raise NotFound(str(thread_id))
    thread.title = hide_emails(thread.title)
    db.expunge(thread)  # the masked title is for display only
    posts = [
        PostView(pid, name, hide_emails(text or ""), at, status.value)
        for pid, name, text, at, status in db.execute(
            select(ForumPost.id, ForumPost.display_name, Answer.text, ForumPost.created_at, ForumPost.status)
            .join(Answer, Answer.response_id == ForumPost.response_id)
            .where(ForumPost.thread_id == thread_id, ForumPost.status == PostStatus.VISIBLE)
            .order_by(ForumPost.created_at, ForumPost.id)
        )
    ]
    if not posts:
        raise NotFound(str(thread_id))
    return thread, posts


# ---- Posting --------------------------------------------------------------------------------


def _check(display_name: str, text: str) -> tuple[str, str]:
    name = " ".join(display_name.split())
    text = text.strip()
    errors = {}
    if not name:
        errors["display_name"] = "Enter a display name"
    elif len(name) > 40:
        errors["display_name"] = "Display name must be 40 characters or fewer"
    elif _EMAILISH.search(name):
        errors["display_name"] = "Display name must not be an email address"
    if not text:
        errors["text"] = "Enter your post"
    elif len(text) > MAX_POST_CHARS:
        errors["text"] = f"Your post must be {MAX_POST_CHARS:,} characters or fewer"
    if errors:
        raise ValidationFailed(errors)
    return name, text


@dataclass(frozen=True)
class Posted:
    thread_id: int
    post_id: int
    visible: bool


def post(
    db: Session,
    space: ForumSpace,
    *,
    display_name: str,
    text: str,
    idempotency_key: str,
    thread_id: int | None = None,
    title: str = "",
) -> Posted:
    """Start a thread (no thread_id, with a title) or reply. A repeat with the same key finds the first post."""
    name, text = _check(display_name, text)
    if thread_id is None:
        title = " ".join(title.split())
        if not title:
            raise ValidationFailed({"title": "Enter a title for your discussion"})
        if len(title) > 150:
            raise ValidationFailed({"title": "Title must be 150 characters or fewer"})
    else:
        thread = db.get(ForumThread, thread_id)
        if thread is None or thread.space_id != space.id:
            raise NotFound(str(thread_id))
    c = consultations.get(db, space.consultation_id)
    receipt = responses.submit(
        db,
        c,
        audience=space.audience,
        answers={space.question_id: text},
        idempotency_key=idempotency_key,
        channel=Channel.FORUM,
    )
    response_id = db.scalar(select(Response.id).where(Response.reference == receipt.reference))
    existing = db.execute(
        select(ForumPost.id, ForumPost.thread_id, ForumPost.status).where(ForumPost.response_id == response_id)
    ).first()
    if existing is not None:
        db.commit()
        return Posted(existing.thread_id, existing.id, existing.status == PostStatus.VISIBLE)
    if thread_id is None:
        thread = ForumThread(space_id=space.id, title=title)
        db.add(thread)
        db.flush()
        thread_id = thread.id
    status = PostStatus.PENDING if space.premoderated else PostStatus.VISIBLE
    p = ForumPost(thread_id=thread_id, response_id=response_id, display_name=name, status=status)
    db.add(p)
    db.commit()
    return Posted(thread_id, p.id, status == PostStatus.VISIBLE)


def report(db: Session, post_id: int, reason: str, details: str) -> None:
    if reason not in REPORT_REASONS:
        raise ValidationFailed({"reason": "Select why you are reporting this post"})
    if db.get(ForumPost, post_id) is None:
        raise NotFound(str(post_id))
    db.add(PostReport(post_id=post_id, reason=reason, details=details.strip()[:2000]))
    db.execute(update(ForumPost).where(ForumPost.id == post_id).values(reports=ForumPost.reports + 1))
    db.commit()


# ---- Moderation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    id: int
    space: str
    thread: str
    display_name: str
    text: str
    status: str
    reports: int
    report_reasons: list[str]
    flags: list[dict[str, str]]
    created_at: object
    # What reporters wrote in "anything else we should know", with their reason; emails masked.
    report_notes: list[ReportNote] = field(default_factory=list)


@dataclass(frozen=True)
class ReportNote:
    reason: str
    note: str


def queue(db: Session) -> list[QueueItem]:
    """Posts waiting for approval, and visible posts that someone has reported."""
    rows = db.execute(
        select(
            ForumPost.id,
            ForumSpace.name,
            ForumThread.title,
            ForumPost.display_name,
            Answer.text,
            ForumPost.status,
            ForumPost.reports,
            Answer.flags,
            ForumPost.created_at,
        )
        .join(ForumThread, ForumThread.id == ForumPost.thread_id)
        .join(ForumSpace, ForumSpace.id == ForumThread.space_id)
        .join(Answer, Answer.response_id == ForumPost.response_id)
        .where(
            (ForumPost.status == PostStatus.PENDING)
            | ((ForumPost.status == PostStatus.VISIBLE) & (ForumPost.reports > 0))
        )
        .order_by(ForumPost.created_at, ForumPost.id)
    ).all()
    reasons: dict[int, list[str]] = {}
    notes: dict[int, list[ReportNote]] = {}
    ids = [r[0] for r in rows]
    for post_id, reason, details in db.execute(
        select(PostReport.post_id, PostReport.reason, PostReport.details)
        .where(PostReport.post_id.in_(ids))
        .order_by(PostReport.id)
    ):
        label = REPORT_REASONS.get(reason, reason)
        reasons.setdefault(post_id, []).append(label)
        if details and details.strip():
            notes.setdefault(post_id, []).append(ReportNote(label, hide_emails(details.strip())))
    return [
        QueueItem(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4] or "",
            r[5].value,
            r[6],
            reasons.get(r[0], []),
            r[7] or [],
            r[8],
            report_notes=notes.get(r[0], []),
        )
        for r in rows
    ]


def moderate(db: Session, actor_id: int, post_id: int, action: str, reason: str = "") -> ForumPost:
    p = db.get(ForumPost, post_id)
    if p is None:
        raise NotFound(str(post_id))
    reason = reason.strip()
    if action == "approve":
        p.status = PostStatus.VISIBLE
        p.reports = 0  # reviewed: leaves the queue until someone reports it again
    elif action == "hide":
        if not reason:
            raise ValidationFailed({"reason": "Enter why you are hiding this post"})
        p.status = PostStatus.HIDDEN
        p.hidden_reason = reason[:2000]
    else:
        raise Conflict(f"Unknown action {action!r}")
    p.moderated_by_id, p.moderated_at = actor_id, utcnow()
    audit.record(
        db,
        actor_id,
        f"forum.post_{'approved' if action == 'approve' else 'hidden'}",
        "forum_post",
        p.id,
        reason=reason[:2000],
    )
    db.commit()
    return p


def moderation_log_csv(db: Session) -> str:
    """Every moderation decision with its reason, for the council's records."""
    from engage.services.exports import _cell

    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(["when", "moderator", "action", "post", "space", "thread", "reason"])
    rows = db.execute(
        select(AuditEvent, StaffUser.display_name, ForumSpace.name, ForumThread.title)
        .outerjoin(StaffUser, StaffUser.id == AuditEvent.actor_id)
        .outerjoin(ForumPost, ForumPost.id == AuditEvent.target_id)
        .outerjoin(ForumThread, ForumThread.id == ForumPost.thread_id)
        .outerjoin(ForumSpace, ForumSpace.id == ForumThread.space_id)
        .where(AuditEvent.target_type == "forum_post")
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    for event, moderator, space, thread in rows:
        writer.writerow(
            [
                event.at.isoformat(timespec="seconds"),
                _cell(moderator or ""),
                event.action.removeprefix("forum.post_"),
                event.target_id,
                _cell(space or ""),
                _cell(thread or ""),
                _cell(event.detail.get("reason", "")),
            ]
        )
    return out.getvalue()
