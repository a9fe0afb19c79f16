"""The database schema: SQLAlchemy 2 typed models.

Relationships are `lazy="raise"`: every query happens in a service function, so a
template that tried to load more data would fail loudly instead of querying.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    false,
    literal,
    type_coerce,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, list[Any]: JSON}


def _enum(cls: type[enum.Enum], name: str) -> SAEnum:
    # Stored as plain strings (no native PostgreSQL enum) so adding a value is a small migration.
    return SAEnum(
        cls,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Status(enum.StrEnum):
    DRAFT = "draft"
    # Never stored: an opened consultation whose opening date has not come yet (Consultation.status).
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


# Consultations open and close on the council's calendar days.
COUNCIL_TIMEZONE = "Europe/London"


def council_today() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(COUNCIL_TIMEZONE)).date()


def status_on(stored: Status | None, opens_on: dt.date | None, closes_on: dt.date | None, today: dt.date) -> Status:
    """What an opened consultation is on `today`: scheduled before its opening date, closed after
    its closing date (open through the whole of that day). Other statuses are as stored."""
    if stored == Status.OPEN:
        if opens_on is not None and opens_on > today:
            return Status.SCHEDULED
        if closes_on is not None and closes_on < today:
            return Status.CLOSED
    return stored  # type: ignore[return-value]


class QuestionKind(enum.StrEnum):
    FREE_TEXT = "free_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    AGREEMENT = "agreement"


class Channel(enum.StrEnum):
    ONLINE = "online"
    PAPER = "paper"
    WORKSHOP = "workshop"
    EMAIL = "email"
    FEEDBACK = "feedback"  # the "feedback at any time" form
    FORUM = "forum"  # a post in a discussion space


class ConsultationKind(enum.StrEnum):
    CONSULTATION = "consultation"
    # The standing "feedback at any time" consultation: one free-text question per service area,
    # so feedback is stored, themed and reviewed exactly like responses. Never listed publicly.
    FEEDBACK = "feedback"
    # Nominations and ideas: people propose (a name, an idea) with a reason, and others support
    # proposals. The reason is the answer to the consultation's free-text question, so it is themed.
    PROPOSALS = "proposals"
    # Each forum space stores its posts as answers to its one free-text question. Never listed publicly.
    FORUM = "forum"


class PostStatus(enum.StrEnum):
    PENDING = "pending"  # pre-moderated spaces: waiting for a moderator
    VISIBLE = "visible"
    HIDDEN = "hidden"


class ImportStatus(enum.StrEnum):
    UPLOADED = "uploaded"  # columns read; waiting for the officer to map them
    CHECK_QUEUED = "check_queued"
    CHECKING = "checking"
    READY = "ready"  # checked: the preview and per-row errors are ready; nothing saved yet
    IMPORT_QUEUED = "import_queued"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"


class Audience(enum.StrEnum):
    RESIDENT = "resident"
    PARENT = "parent"
    YOUNG_PERSON = "young_person"
    OTHER = "other"


class Role(enum.StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    MODERATOR = "moderator"
    COALITION_MEMBER = "coalition_member"
    # Sees safeguarding flags, and a young person's words verbatim; nobody else does.
    SAFEGUARDING_LEAD = "safeguarding_lead"


class ThemeOrigin(enum.StrEnum):
    MODEL = "model"  # proposed by discovery
    OFFICER = "officer"  # written or curated by staff (a codebook theme)


class AssignmentSource(enum.StrEnum):
    MODEL = "model"
    OFFICER = "officer"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Raised at every sign out: session cookies carry a stamp made from it (engage/middleware.py).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Consultation(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    audiences: Mapped[list[str]] = mapped_column(default=list)
    # As staff last set it. Read `status`: it follows the dates, so a consultation opens and closes
    # on its dates by itself, the same everywhere (pages, queries, the submit check), with no job.
    stored_status: Mapped[Status] = mapped_column("status", _enum(Status, "status"), default=Status.DRAFT)
    opens_on: Mapped[dt.date | None] = mapped_column(Date)
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    kind: Mapped[ConsultationKind] = mapped_column(
        _enum(ConsultationKind, "consultation_kind"),
        default=ConsultationKind.CONSULTATION,
        server_default="consultation",
    )
    # Aimed at young people: asks their age first, keeps under-13s' contact details out, shows support.
    young_people: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # GOV.UK "one thing per page": each question on its own page, instead of all on one page.
    one_question_per_page: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    questions: Mapped[list[Question]] = relationship(
        back_populates="consultation",
        order_by="Question.position",
        cascade="all, delete-orphan",
        lazy="raise",
    )

    @hybrid_property
    def status(self) -> Status:
        return status_on(self.stored_status, self.opens_on, self.closes_on, council_today())

    @status.inplace.setter
    def _status_setter(self, value: Status) -> None:
        self.stored_status = Status(value)

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> Any:
        today = council_today()
        column = cls.__table__.c.status
        return type_coerce(
            case(
                (and_(column == Status.OPEN, cls.opens_on > today), literal(Status.SCHEDULED, column.type)),
                (and_(column == Status.OPEN, cls.closes_on < today), literal(Status.CLOSED, column.type)),
                else_=column,
            ),
            column.type,
        )


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind, "question_kind"))
    text: Mapped[str] = mapped_column(Text)
    hint: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[list[str]] = mapped_column(default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)

    consultation: Mapped[Consultation] = relationship(back_populates="questions", lazy="raise")


class Response(Base):
    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Generated when the form is first shown and carried through "check your answers":
    # a double submit or a retried request finds the response it already created.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Paper forms and workshop notes: the session they came from, and the import that brought them in.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("engagement_sessions.id", ondelete="SET NULL"), index=True
    )
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_jobs.id", ondelete="SET NULL"), index=True)

    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan", lazy="raise")


class ResponseDraft(Base):
    """Answers a resident saved to finish later. Found by a keyed hash of the code they were given
    (never the code itself), and deleted when it expires or the response is sent."""

    __tablename__ = "response_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(128), unique=True)
    # The answers as JSON, sealed with a key derived from the code: unreadable without it.
    sealed_answers: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    # What the person wrote, kept for audit by those allowed; never shown publicly.
    text: Mapped[str | None] = mapped_column(Text)
    choices: Mapped[list[str] | None] = mapped_column(JSON)
    # Filled by the theming pipeline.
    redacted: Mapped[str | None] = mapped_column(Text)
    redactions: Mapped[list[Any] | None] = mapped_column(JSON)
    stance: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[list[Any] | None] = mapped_column(JSON)

    response: Mapped[Response] = relationship(back_populates="answers", lazy="raise")
    question: Mapped[Question] = relationship(lazy="raise")


class Theme(Base):
    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    keyphrases: Mapped[list[str]] = mapped_column(default=list)
    quotes: Mapped[list[str]] = mapped_column(default=list)
    # Example comments that define a codebook theme for mapping.
    examples: Mapped[list[str]] = mapped_column(default=list)
    stance: Mapped[str | None] = mapped_column(String(16))
    origin: Mapped[ThemeOrigin] = mapped_column(_enum(ThemeOrigin, "theme_origin"))
    # The council's "what we will do" for this theme.
    response_text: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ThemeAssignment(Base):
    __tablename__ = "theme_assignments"
    __table_args__ = (
        UniqueConstraint("theme_id", "answer_id"),
        # Covers the theme board's per-theme counts (by source) without touching the table.
        Index("ix_theme_assignments_board", "theme_id", "source", "answer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[AssignmentSource] = mapped_column(_enum(AssignmentSource, "assignment_source"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ThemingJob(Base):
    __tablename__ = "theming_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"), default=JobStatus.QUEUED, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    worker: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EqualityAnswers(Base):
    """Optional equality monitoring answers, kept apart from what people said.

    Only ever shown in aggregate (with disclosure control) and deleted on the retention schedule.
    Values are the labels in `engage.equality`; None means the question was skipped.
    """

    __tablename__ = "equality_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    age_band: Mapped[str | None] = mapped_column(String(40))
    ethnic_group: Mapped[str | None] = mapped_column(String(80))  # broad census group
    ethnic_group_detail: Mapped[str | None] = mapped_column(String(120))  # detailed census category
    sex: Mapped[str | None] = mapped_column(String(40))
    disability: Mapped[str | None] = mapped_column(String(40))
    religion: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ResponseContact(Base):
    """A respondent's email, if they chose to leave one; kept apart and deleted on schedule."""

    __tablename__ = "response_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    notify_on_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # When the "results are published" email went; never sent twice.
    notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ThemeEdit(Base):
    """One edit on the theme board, with what is needed to undo it.

    The audit event says who did what (names and counts, never residents' words); `undo`
    holds the themes and assignments as they were before, so the last edit can be reversed.
    """

    __tablename__ = "theme_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    undo: Mapped[dict[str, Any]] = mapped_column(default=dict)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ThemeRejection(Base):
    """An officer said this comment does not belong in this theme: re-runs never put it back."""

    __tablename__ = "theme_rejections"
    __table_args__ = (UniqueConstraint("theme_id", "answer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ThemeSignoff(Base):
    """An officer's sign-off: the theme's name, comments and response are ready to publish.

    A table of its own (not columns on themes) so that the migration never rebuilds `themes` on SQLite.
    """

    __tablename__ = "theme_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), unique=True)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    signed_off_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ThemeNote(Base):
    """A coalition member's (or officer's) comment on a theme."""

    __tablename__ = "theme_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ThemeProposal(Base):
    """A proposed change to the themes (rename or merge) that an officer accepts or rejects."""

    __tablename__ = "theme_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "rename" or "merge"
    theme_ids: Mapped[list[Any]] = mapped_column(default=list)
    new_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProposalStatus] = mapped_column(
        _enum(ProposalStatus, "proposal_status"), default=ProposalStatus.OPEN
    )
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CommentModeration(Base):
    """A moderator's decision on a flagged comment: reviewed, and perhaps hidden from publication."""

    __tablename__ = "comment_moderation"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), unique=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")


class PopulationShare(Base):
    """The borough's population by ethnic group or age band (census shares), editable by officers."""

    __tablename__ = "population_shares"
    __table_args__ = (UniqueConstraint("dimension", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32))  # "ethnic_group" or "age_band"
    category: Mapped[str] = mapped_column(String(120))
    share: Mapped[float] = mapped_column(Float)  # 0..1
    source: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class CommitmentStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class Commitment(Base):
    """Something the council said it will do, with an owner, a due date and a status."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[CommitmentStatus] = mapped_column(
        _enum(CommitmentStatus, "commitment_status"), default=CommitmentStatus.PLANNED
    )
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was dropped
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class CommitmentEvent(Base):
    """A commitment's status history, shown publicly."""

    __tablename__ = "commitment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")


class EngagementSession(Base):
    """Where offline responses came from: a paper-form drop, a workshop or a listening session."""

    __tablename__ = "engagement_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    facilitator: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ImportJob(Base):
    """An officer's upload of transcribed responses: mapped, checked, then imported by a worker.

    Each imported row gets an idempotency key made from its content, so importing the same file
    (or a longer version of it) again creates nothing twice. The file is dropped once imported.
    """

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("engagement_sessions.id", ondelete="SET NULL"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))
    file_hash: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    columns: Mapped[list[str]] = mapped_column(default=list)
    # {"questions": {question_id: column}, "audience": column or ""}
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[ImportStatus] = mapped_column(
        _enum(ImportStatus, "import_status"), default=ImportStatus.UPLOADED, index=True
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(200), default="")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    valid_rows: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(default=list)  # the first few hundred row errors
    preview: Mapped[list[Any]] = mapped_column(default=list)  # the first few valid rows
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)  # already imported
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    worker: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ServiceArea(Base):
    """Where general feedback is routed: each area is a free-text question of the feedback consultation."""

    __tablename__ = "service_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Proposal(Base):
    """A nomination or idea. Its reason is an Answer of the response it was made with."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    supporters: Mapped[int] = mapped_column(Integer, default=0)
    hidden_reason: Mapped[str | None] = mapped_column(Text)  # set when a moderator hides it
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ProposalSupport(Base):
    """One support: at most one per browser and one per email address, each kept only as a keyed hash."""

    __tablename__ = "proposal_supports"
    __table_args__ = (
        UniqueConstraint("proposal_id", "browser_hash", name="uq_proposal_supports_browser"),
        UniqueConstraint("proposal_id", "email_hash", name="uq_proposal_supports_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    email_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ForumSpace(Base):
    """A discussion space, such as a youth forum or a parents' forum."""

    __tablename__ = "forum_spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[Audience] = mapped_column(_enum(Audience, "audience"))
    # Spaces for young people are pre-moderated: posts appear after a moderator approves them.
    premoderated: Mapped[bool] = mapped_column(Boolean, default=False)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), unique=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ForumThread(Base):
    __tablename__ = "forum_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("forum_spaces.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ForumPost(Base):
    """A post: its words are the Answer of its response, so they are themed with everything else."""

    __tablename__ = "forum_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    status: Mapped[PostStatus] = mapped_column(_enum(PostStatus, "post_status"), index=True)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PostReport(Base):
    __tablename__ = "post_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class StaffTotp(Base):
    """A staff member's authenticator-app (TOTP) second factor.

    A row with no `enabled_at` is a set-up in progress; the secret is encrypted with a key derived
    from ENGAGE_SECRET_KEY (engage.services.totp). `last_step` is the 30-second step of the last
    code accepted: a code is never accepted twice.
    """

    __tablename__ = "staff_totp"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(255))
    enabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class EqualitySummary(Base):
    """A consultation's equality counts (after disclosure control), saved before the retention
    schedule deletes the individual equality answers, so that published aggregates survive."""

    __tablename__ = "equality_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), unique=True)
    # {"respondents": n or None, "dimensions": {key: [{"category", "count" (None if suppressed), "suppressed"}]}}
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ErasureStatus(enum.StrEnum):
    PENDING = "pending"
    ERASED = "erased"
    CLOSED = "closed"  # closed without erasing (for example, no response has the reference)


class ErasureRequest(Base):
    """A resident's request to delete their response, made with its reference number.

    The reference is kept only while the request is pending; afterwards only its keyed hash stays.
    """

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20))
    reference_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[ErasureStatus] = mapped_column(
        _enum(ErasureStatus, "erasure_status"), default=ErasureStatus.PENDING, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))


class SpentFormToken(Base):
    """A public form's start-time token, once a submission has used it: each token sends one form.

    `bound_key` is the idempotency key of the submission that spent it, so the same submission sent
    again (a double click, a browser retry) is let through to find its first copy.
    """

    __tablename__ = "spent_form_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    bound_key: Mapped[str | None] = mapped_column(String(64))
    spent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
