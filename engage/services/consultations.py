"""Consultations and their questions: creating, editing, opening, closing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from slugify import slugify
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from engage.models import (
    Consultation,
    ConsultationKind,
    Question,
    QuestionKind,
    Response,
    Status,
    council_today,
    status_on,
)
from engage.services import audit
from engage.services.errors import Conflict, NotFound, ValidationFailed

# Standing consultations that hold feedback and forum posts: staff theme them, the public never sees them.
UNLISTED = [ConsultationKind.FEEDBACK, ConsultationKind.FORUM]
# Not public: a draft, and an opened consultation before its opening date.
NOT_PUBLIC = [Status.DRAFT, Status.SCHEDULED]
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
MIN_OPTIONS = 2

# Which status changes staff may make by hand (from the status as it is today); publishing has its
# own service. Dates do the rest: an opened consultation opens and closes on its dates by itself.
TRANSITIONS = {
    "open": ({Status.DRAFT, Status.CLOSED, Status.SCHEDULED}, Status.OPEN),
    "close": ({Status.OPEN}, Status.CLOSED),
    "unschedule": ({Status.SCHEDULED}, Status.DRAFT),
}


@dataclass(frozen=True)
class ConsultationRow:
    consultation: Consultation
    responses: int


# The government's consultation principles: publish a response within 12 weeks of closing.
RESULTS_DUE_AFTER = dt.timedelta(weeks=12)


def results_due(consultation: Consultation) -> dt.date | None:
    """When a closed consultation's results are due: 12 weeks after it closed."""
    return consultation.closes_on + RESULTS_DUE_AFTER if consultation.closes_on else None


@dataclass(frozen=True)
class PublicList:
    open_now: list[Consultation]
    closed: list[Consultation]  # closed, results not yet published
    published: list[Consultation]


def public_list(db: Session) -> PublicList:
    """Open consultations, closed ones awaiting results, and those with published results."""
    rows = db.scalars(
        select(Consultation)
        .where(
            Consultation.status.in_([Status.OPEN, Status.CLOSED, Status.PUBLISHED]),
            Consultation.kind.not_in(UNLISTED),
        )
        .order_by(Consultation.closes_on.desc(), Consultation.title)
    ).all()
    return PublicList(
        [c for c in rows if c.status == Status.OPEN],
        [c for c in rows if c.status == Status.CLOSED],
        [c for c in rows if c.status == Status.PUBLISHED],
    )


def staff_list(db: Session) -> list[ConsultationRow]:
    counts = (
        select(Response.consultation_id, func.count(Response.id).label("n"))
        .group_by(Response.consultation_id)
        .subquery()
    )
    rows = db.execute(
        select(Consultation, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.consultation_id == Consultation.id)
        .order_by(Consultation.created_at.desc(), Consultation.id.desc())
    ).all()
    return [ConsultationRow(c, n) for c, n in rows]


def get_public(db: Session, slug: str) -> Consultation:
    consultation = db.scalars(
        select(Consultation)
        .where(
            Consultation.slug == slug,
            Consultation.status.not_in(NOT_PUBLIC),
            Consultation.kind.not_in(UNLISTED),
        )
        .options(selectinload(Consultation.questions))
    ).first()
    if consultation is None:
        raise NotFound(slug)
    return consultation


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    kind: QuestionKind
    text: str
    hint: str
    options: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class ResponseFormSpec:
    """What the response journey needs of a consultation, as plain (hashable) values.

    Read with one Core query, without building ORM objects: the response form is the busiest
    page, and its final POST the busiest write (bench/submissions.py). Hashable, so the WTForms
    class built from it can be cached (engage.forms.response_form_for).
    """

    id: int
    slug: str
    title: str
    status: Status
    kind: ConsultationKind
    young_people: bool
    audiences: tuple[str, ...]
    questions: tuple[QuestionSpec, ...]
    one_question_per_page: bool = False


def _response_form_query() -> Any:
    # The stored status and the dates: the status as of today is worked out when the row is read,
    # since this statement is built once and "today" changes.
    c, q = Consultation.__table__.c, Question.__table__.c
    return (
        select(c.id, c.slug, c.title, c.status, c.kind, c.young_people, c.audiences, c.opens_on, c.closes_on)
        .add_columns(q.id, q.kind, q.text, q.hint, q.options, q.required, c.one_question_per_page)
        .select_from(Consultation.__table__.outerjoin(Question.__table__, q.consultation_id == c.id))
        .where(c.slug == bindparam("slug"), c.status != Status.DRAFT, c.kind.not_in(UNLISTED))
        .order_by(q.position, q.id)
    )


# Built once (the response form is the busiest page); run on the session's connection, since a
# Core statement needs none of the ORM's execution machinery.
_RESPONSE_FORM = _response_form_query()


def response_form_spec(db: Session, slug: str) -> ResponseFormSpec:
    """The public consultation ``slug`` (as :func:`get_public` finds it) for the response form."""
    rows = db.connection().execute(_RESPONSE_FORM, {"slug": slug}).all()
    if not rows:
        raise NotFound(slug)
    first = rows[0]
    status = status_on(first[3], first[7], first[8], council_today())
    if status in NOT_PUBLIC:
        raise NotFound(slug)
    questions = tuple(
        QuestionSpec(r[9], r[10], r[11], r[12] or "", tuple(r[13] or ()), bool(r[14])) for r in rows if r[9] is not None
    )
    return ResponseFormSpec(
        first[0],
        first[1],
        first[2],
        status,
        first[4],
        bool(first[5]),
        tuple(first[6] or ()),
        questions,
        bool(first[15]),
    )


def preview_spec(consultation: Consultation) -> ResponseFormSpec:
    """A consultation (a draft too) as the response form would show it: for staff to preview."""
    questions = tuple(
        QuestionSpec(q.id, q.kind, q.text, q.hint or "", tuple(q.options or ()), bool(q.required))
        for q in consultation.questions
    )
    return ResponseFormSpec(
        consultation.id,
        consultation.slug,
        consultation.title,
        consultation.status,
        consultation.kind,
        bool(consultation.young_people),
        tuple(consultation.audiences or ()),
        questions,
        bool(consultation.one_question_per_page),
    )


def get(db: Session, consultation_id: int) -> Consultation:
    consultation = db.scalars(
        select(Consultation).where(Consultation.id == consultation_id).options(selectinload(Consultation.questions))
    ).first()
    if consultation is None:
        raise NotFound(str(consultation_id))
    return consultation


def get_by_slug(db: Session, slug: str) -> Consultation:
    consultation = db.scalars(
        select(Consultation).where(Consultation.slug == slug).options(selectinload(Consultation.questions))
    ).first()
    if consultation is None:
        raise NotFound(slug)
    return consultation


def _unique_slug(db: Session, wanted: str, own_id: int | None) -> str:
    base = slugify(wanted, max_length=100) or "consultation"
    slug, n = base, 1
    while True:
        existing = db.scalar(select(Consultation.id).where(Consultation.slug == slug))
        if existing is None or existing == own_id:
            return slug
        n += 1
        slug = f"{base}-{n}"


def save(db: Session, actor_id: int, data: dict[str, Any], consultation_id: int | None = None) -> Consultation:
    """Create a consultation (when consultation_id is None) or update its details."""
    if data.get("slug") and db.scalar(
        select(Consultation.id).where(Consultation.slug == data["slug"], Consultation.id != consultation_id)
    ):
        raise ValidationFailed({"slug": "Another consultation already uses this web address name"})
    if consultation_id is None:
        slug = _unique_slug(db, data.get("slug") or data["title"], None)
        consultation = Consultation(
            status=Status.DRAFT, slug=slug, kind=ConsultationKind(data.get("kind") or ConsultationKind.CONSULTATION)
        )
        db.add(consultation)
    else:
        consultation = get(db, consultation_id)
        opens_on = data.get("opens_on")
        if consultation.status in (Status.OPEN, Status.CLOSED, Status.PUBLISHED) and (
            opens_on is not None and opens_on > council_today() and opens_on != consultation.opens_on
        ):
            # It would vanish from the public pages, with responses already in.
            message = "This consultation has opened: its opening date cannot be in the future"
            raise ValidationFailed({"opens_on": message})
        consultation.slug = _unique_slug(db, data.get("slug") or consultation.slug, consultation_id)
    consultation.title = data["title"].strip()
    consultation.summary = data["summary"].strip()
    consultation.body = (data.get("body") or "").strip()
    consultation.audiences = list(data["audiences"])
    consultation.young_people = bool(data.get("young_people", consultation.young_people))
    consultation.one_question_per_page = bool(data.get("one_question_per_page", consultation.one_question_per_page))
    consultation.opens_on = data.get("opens_on")
    consultation.closes_on = data.get("closes_on")
    db.flush()
    if consultation_id is None and consultation.kind == ConsultationKind.PROPOSALS:
        from engage.services.proposals import add_reason_question

        add_reason_question(db, consultation.id)
    audit.record(
        db,
        actor_id,
        "consultation.created" if consultation_id is None else "consultation.updated",
        "consultation",
        consultation.id,
        title=consultation.title,
    )
    db.commit()
    return consultation


def question_problems(consultation: Consultation) -> list[str]:
    """Why the consultation's questions are not ready for residents (empty when they are)."""
    problems = []
    if not consultation.questions:
        problems.append("Add at least one question before opening the consultation")
    for number, q in enumerate(consultation.questions, start=1):
        if not (q.text or "").strip():
            problems.append(f"Question {number} has no text")
        if q.kind in CHOICE_KINDS and len({o.strip() for o in q.options or [] if o.strip()}) < MIN_OPTIONS:
            problems.append(
                f"Question {number} ({q.text.strip()[:60]}) asks people to choose but has fewer than "
                f"{MIN_OPTIONS} options: remove it and add it again with its options"
            )
    return problems


def change_status(db: Session, actor_id: int, consultation_id: int, action: str) -> Consultation:
    consultation = get(db, consultation_id)
    if action not in TRANSITIONS:
        raise Conflict(f"Unknown action {action!r}")
    allowed_from, target = TRANSITIONS[action]
    today = council_today()
    if consultation.status not in allowed_from:
        raise Conflict(f"A consultation that is {consultation.status.value} cannot be {action.replace('_', ' ')}ed")
    if action == "open":
        problems = question_problems(consultation)
        if problems:
            raise Conflict(". ".join(problems))
        if consultation.closes_on is not None and consultation.closes_on < today:
            raise Conflict("Its closing date has passed: edit the details to give it a new closing date, then open it")
    before = consultation.status
    consultation.status = target
    if action == "open" and (before == Status.SCHEDULED or consultation.opens_on is None):
        consultation.opens_on = today  # "Open now"
    if action == "close" and (consultation.closes_on is None or consultation.closes_on > today):
        consultation.closes_on = today  # the day it really closed (retention counts from it)
    audit.record(
        db,
        actor_id,
        f"consultation.{action}",
        "consultation",
        consultation.id,
        before=before.value,
        after=consultation.status.value,
    )
    db.commit()
    return consultation


def _editable(consultation: Consultation) -> None:
    # Changing questions after people have answered would make answers meaningless.
    if consultation.status != Status.DRAFT:
        raise Conflict("Questions can only be changed while the consultation is a draft")


def add_question(
    db: Session,
    actor_id: int,
    consultation_id: int,
    *,
    text: str,
    hint: str,
    kind: QuestionKind,
    options: list[str],
    required: bool,
) -> Question:
    consultation = get(db, consultation_id)
    _editable(consultation)
    text = text.strip()
    options = [o.strip() for o in dict.fromkeys(o.strip() for o in options) if o.strip()]
    errors = {}
    if not text:
        errors["text"] = "Enter the question"
    if kind in CHOICE_KINDS and len(options) < MIN_OPTIONS:
        errors["options"] = f"Enter at least {MIN_OPTIONS} options, one on each line"
    if errors:
        raise ValidationFailed(errors)
    question = Question(
        consultation_id=consultation.id,
        position=max((q.position for q in consultation.questions), default=0) + 1,
        kind=kind,
        text=text,
        hint=hint.strip(),
        options=options if kind in CHOICE_KINDS else [],
        required=required,
    )
    db.add(question)
    db.flush()
    audit.record(db, actor_id, "question.added", "question", question.id, consultation_id=consultation.id)
    db.commit()
    return question


def _question(db: Session, consultation_id: int, question_id: int) -> tuple[Consultation, Question]:
    consultation = get(db, consultation_id)
    for q in consultation.questions:
        if q.id == question_id:
            return consultation, q
    raise NotFound(str(question_id))


def remove_question(db: Session, actor_id: int, consultation_id: int, question_id: int) -> None:
    consultation, question = _question(db, consultation_id, question_id)
    _editable(consultation)
    consultation.questions.remove(question)
    for position, q in enumerate(consultation.questions, start=1):
        q.position = position
    audit.record(db, actor_id, "question.removed", "question", question_id, consultation_id=consultation_id)
    db.commit()


def move_question(db: Session, actor_id: int, consultation_id: int, question_id: int, direction: str) -> None:
    consultation, question = _question(db, consultation_id, question_id)
    _editable(consultation)
    ordered = list(consultation.questions)
    i = ordered.index(question)
    j = i - 1 if direction == "up" else i + 1
    if direction not in ("up", "down") or not 0 <= j < len(ordered):
        raise Conflict("That question cannot move further")
    ordered[i], ordered[j] = ordered[j], ordered[i]
    for position, q in enumerate(ordered, start=1):
        q.position = position
    audit.record(db, actor_id, "question.moved", "question", question_id, direction=direction)
    db.commit()
