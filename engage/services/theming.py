"""Theming jobs: run the spaCy pipeline over free-text answers and store themes.

Jobs live in the database so they survive restarts and can be shared by several workers:
on PostgreSQL each worker claims a job with FOR UPDATE SKIP LOCKED; on SQLite one worker
runs inside the web process.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from engage.models import (
    Answer,
    AssignmentSource,
    Consultation,
    JobStatus,
    Question,
    QuestionKind,
    Response,
    Theme,
    ThemeAssignment,
    ThemeOrigin,
    ThemeRejection,
    ThemingJob,
    utcnow,
)
from engage.services import audit
from engage.services.errors import Conflict

log = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=10)
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def enqueue(db: Session, consultation_id: int, actor_id: int | None) -> ThemingJob:
    """Queue a theming run, or return the one already queued or running."""
    job = latest_job(db, consultation_id)
    if job is not None and job.status in ACTIVE:
        return job
    job = ThemingJob(consultation_id=consultation_id, requested_by_id=actor_id, message="Waiting to start")
    db.add(job)
    db.flush()
    audit.record(db, actor_id, "theming.requested", "consultation", consultation_id, job_id=job.id)
    db.commit()
    return job


def latest_job(db: Session, consultation_id: int) -> ThemingJob | None:
    return db.scalars(
        select(ThemingJob).where(ThemingJob.consultation_id == consultation_id).order_by(ThemingJob.id.desc()).limit(1)
    ).first()


def claim_next(db: Session, worker: str) -> int | None:
    """Claim the oldest queued job. SKIP LOCKED lets several PostgreSQL workers share the queue."""
    job = db.scalars(
        select(ThemingJob)
        .where(ThemingJob.status == JobStatus.QUEUED)
        .order_by(ThemingJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    return _start(db, job, worker)


def claim(db: Session, job_id: int, worker: str) -> bool:
    """Claim one particular queued job (the command line runs a job itself)."""
    job = db.scalars(
        select(ThemingJob)
        .where(ThemingJob.id == job_id, ThemingJob.status == JobStatus.QUEUED)
        .with_for_update(skip_locked=True)
    ).first()
    return _start(db, job, worker) is not None


def _start(db: Session, job: ThemingJob | None, worker: str) -> int | None:
    if job is None:
        db.rollback()
        return None
    job.status = JobStatus.RUNNING
    job.attempts += 1
    job.worker = worker
    job.started_at = job.heartbeat_at = utcnow()
    job.message = "Starting"
    job.error = None
    db.commit()
    return job.id


def requeue_stale(db: Session) -> int:
    """Jobs whose worker died (no heartbeat for a while) go back on the queue."""
    cutoff = utcnow() - STALE_AFTER
    jobs = db.scalars(
        select(ThemingJob).where(ThemingJob.status == JobStatus.RUNNING, ThemingJob.heartbeat_at < cutoff)
    ).all()
    for job in jobs:
        job.status = JobStatus.QUEUED if job.attempts < job.max_attempts else JobStatus.FAILED
        job.message = "Restarted after the worker stopped"
    db.commit()
    return len(jobs)


class NoProgress:
    def __call__(self, fraction: float, message: str | None = None, *, force: bool = False) -> None:
        pass

    def span(self, start: float, end: float, message: str) -> Callable[[float], None]:
        return lambda f: None


class _Progress(NoProgress):
    """Writes progress to the job row, at most twice a second, in its own transaction."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int) -> None:
        self.sessions = sessions
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, fraction: float, message: str | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        with self.sessions() as db:
            job = db.get(ThemingJob, self.job_id)
            if job is None:
                return
            job.progress = max(0.0, min(1.0, fraction))
            job.heartbeat_at = utcnow()
            if message:
                job.message = message
            db.commit()

    def span(self, start: float, end: float, message: str) -> Callable[[float], None]:
        self(start, message, force=True)
        return lambda f: self(start + (end - start) * f)


def run_job(sessions: sessionmaker[Session], job_id: int, nlp: Any) -> None:
    """Run one claimed job to the end, recording success, a retry or a failure."""
    progress = _Progress(sessions, job_id)
    try:
        with sessions() as db:
            job = db.get(ThemingJob, job_id)
            assert job is not None
            consultation_id = job.consultation_id
        theme_consultation(sessions, consultation_id, nlp, progress)
    except Exception as exc:  # a job must never take the worker down with it
        log.exception("theming job %s failed", job_id)
        with sessions() as db:
            job = db.get(ThemingJob, job_id)
            if job is not None:
                retry = job.attempts < job.max_attempts
                job.status = JobStatus.QUEUED if retry else JobStatus.FAILED
                job.error = f"{type(exc).__name__}: {exc}"[:2000]
                job.message = "Failed; it will be retried" if retry else "Failed"
                job.finished_at = None if retry else utcnow()
                db.commit()
        return
    with sessions() as db:
        job = db.get(ThemingJob, job_id)
        if job is not None:
            job.status = JobStatus.DONE
            job.progress = 1.0
            job.message = "Finished"
            job.finished_at = utcnow()
            audit.record(
                db, job.requested_by_id, "theming.finished", "consultation", job.consultation_id, job_id=job_id
            )
            db.commit()


def theme_consultation(
    sessions: sessionmaker[Session], consultation_id: int, nlp: Any, progress: NoProgress | None = None
) -> None:
    """Analyse every free-text answer, then theme each free-text question.

    Officers' work is never overwritten: once a question has officer themes, new runs map
    answers onto that codebook instead of discovering afresh, and an answer an officer has
    placed keeps exactly the themes the officer gave it.
    """
    from nlp import CodebookTheme, analyse, discover, map_to_codebook

    report = progress or NoProgress()
    with sessions() as db:
        questions = db.scalars(
            select(Question)
            .where(Question.consultation_id == consultation_id, Question.kind == QuestionKind.FREE_TEXT)
            .order_by(Question.position)
        ).all()
        rows = db.execute(
            select(Answer.id, Answer.question_id, Answer.text, Response.audience)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.question_id.in_([q.id for q in questions]), Answer.text.is_not(None))
            .order_by(Answer.id)
        ).all()

    report(0.05, f"Checking {len(rows):,} comments for personal data and flags", force=True)
    texts = [r.text for r in rows]
    analyses = analyse(nlp, texts, young_person=[r.audience.value == "young_person" for r in rows]) if texts else []
    with sessions() as db:
        # One bulk UPDATE by primary key, not a SELECT per answer.
        results = [
            {
                "id": r.id,
                "redacted": a.redacted,
                "redactions": [[x.start, x.end, x.label] for x in a.redactions],
                "stance": a.stance,
                "flags": [{"kind": f.kind, "reason": f.reason} for f in a.flags],
            }
            for r, a in zip(rows, analyses, strict=True)
        ]
        if results:
            db.execute(update(Answer), results)
        db.commit()

    by_question: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_question[r.question_id].append(i)

    n = max(1, len(questions))
    for qi, question in enumerate(questions):
        indices = by_question.get(question.id, [])
        step = report.span(
            0.4 + 0.6 * qi / n, 0.4 + 0.6 * (qi + 1) / n, f"Theming answers to question {qi + 1} of {len(questions)}"
        )
        if not indices:
            continue
        answer_ids = [rows[i].id for i in indices]
        q_texts = [analyses[i].redacted for i in indices]
        q_analyses = [analyses[i] for i in indices]
        with sessions() as db:
            themes = db.scalars(select(Theme).where(Theme.question_id == question.id)).all()
            officer_themes = [t for t in themes if t.origin == ThemeOrigin.OFFICER]
            officer_rows = db.execute(
                select(ThemeAssignment.theme_id, Answer.redacted, ThemeAssignment.answer_id)
                .join(Answer, Answer.id == ThemeAssignment.answer_id)
                .where(Answer.question_id == question.id, ThemeAssignment.source == AssignmentSource.OFFICER)
            ).all()
        officer_placed = {o.answer_id for o in officer_rows}

        if officer_themes:
            confirmed: dict[int, list[str]] = defaultdict(list)
            for o in officer_rows:
                if o.redacted:
                    confirmed[o.theme_id].append(o.redacted)
            # The officers' themes define the codebook. Model themes still on the board stay in it,
            # defined by their own quotes, so one officer edit does not empty every other theme.
            codebook = [
                CodebookTheme(
                    id=str(t.id),
                    name=t.name,
                    description=t.description,
                    examples=list(t.examples) + confirmed[t.id]
                    if t.origin == ThemeOrigin.OFFICER
                    else list(t.quotes) + confirmed[t.id],
                )
                for t in themes
                if t.origin == ThemeOrigin.OFFICER or t.quotes or confirmed[t.id]
            ]
            mapped = map_to_codebook(q_texts, codebook, nlp=nlp, progress=step)
            _store_mapping(sessions, question.id, answer_ids, q_texts, mapped, officer_placed)
        else:
            proposals, assigned = discover(q_texts, nlp=nlp, analyses=q_analyses, progress=step)
            _store_discovery(sessions, question.id, answer_ids, proposals, assigned, officer_placed)


def _replace_model_assignments(
    db: Session,
    question_id: int,
    answer_ids: Sequence[int],
    assigned: Sequence[Sequence[Any]],
    theme_ids: dict[str, int],
    officer_placed: set[int],
) -> None:
    db.execute(
        delete(ThemeAssignment).where(
            ThemeAssignment.source == AssignmentSource.MODEL,
            ThemeAssignment.answer_id.in_(select(Answer.id).where(Answer.question_id == question_id)),
        )
    )
    # Officers' "not this theme" decisions: a re-run never puts a rejected comment back.
    rejected = {
        (answer_id, theme_id)
        for answer_id, theme_id in db.execute(
            select(ThemeRejection.answer_id, ThemeRejection.theme_id)
            .join(Theme, Theme.id == ThemeRejection.theme_id)
            .where(Theme.question_id == question_id)
        )
    }
    for answer_id, assignments in zip(answer_ids, assigned, strict=True):
        if answer_id in officer_placed:
            continue
        for a in assignments:
            if a.theme_id in theme_ids and (answer_id, theme_ids[a.theme_id]) not in rejected:
                db.add(
                    ThemeAssignment(
                        theme_id=theme_ids[a.theme_id],
                        answer_id=answer_id,
                        confidence=float(a.score),
                        source=AssignmentSource.MODEL,
                    )
                )


def _store_discovery(
    sessions: sessionmaker[Session],
    question_id: int,
    answer_ids: Sequence[int],
    proposals: Sequence[Any],
    assigned: Sequence[Sequence[Any]],
    officer_placed: set[int],
) -> None:
    with sessions() as db:
        existing = {t.key: t for t in db.scalars(select(Theme).where(Theme.question_id == question_id))}
        keep: dict[str, int] = {}
        for position, p in enumerate(proposals, start=1):
            theme = existing.pop(p.id, None)
            if theme is None:
                theme = Theme(question_id=question_id, key=p.id, origin=ThemeOrigin.MODEL)
                db.add(theme)
            theme.name = p.name
            theme.description = p.description
            theme.keyphrases = list(p.keyphrases)
            theme.quotes = list(p.quotes)
            theme.stance = p.stance
            theme.position = position
            db.flush()
            keep[p.id] = theme.id
        for stale in existing.values():
            # A model theme that no longer exists goes, unless an officer has already written
            # the council's response to it.
            if stale.origin == ThemeOrigin.MODEL and not stale.response_text:
                db.delete(stale)
        db.flush()
        _replace_model_assignments(db, question_id, answer_ids, assigned, keep, officer_placed)
        db.commit()


def _store_mapping(
    sessions: sessionmaker[Session],
    question_id: int,
    answer_ids: Sequence[int],
    texts: Sequence[str],
    assigned: Sequence[Sequence[Any]],
    officer_placed: set[int],
) -> None:
    with sessions() as db:
        themes = {str(t.id): t for t in db.scalars(select(Theme).where(Theme.question_id == question_id))}
        _replace_model_assignments(
            db, question_id, answer_ids, assigned, {k: t.id for k, t in themes.items()}, officer_placed
        )
        # Quotes: the clearest short comments the model is most confident about.
        best: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for text, assignments in zip(texts, assigned, strict=True):
            for a in assignments:
                if 20 <= len(text) <= 400:
                    best[a.theme_id].append((a.score, text))
        for key, theme in themes.items():
            ranked = sorted(best.get(key, []), key=lambda s: (-s[0], s[1]))
            theme.quotes = [t for _, t in ranked[:3]]
        db.commit()


# ---- Review and results -------------------------------------------------------------


@dataclass(frozen=True)
class ThemeSummary:
    id: int
    name: str
    description: str
    keyphrases: list[str]
    quotes: list[str]
    stance: str | None
    origin: str
    response_text: str
    count: int
    share: float


@dataclass(frozen=True)
class QuestionThemes:
    question: Question
    answered: int
    themes: list[ThemeSummary]


def question_themes(db: Session, consultation: Consultation) -> list[QuestionThemes]:
    """Per free-text question: its themes, each with how many answers it holds and their share."""
    free = [q for q in consultation.questions if q.kind == QuestionKind.FREE_TEXT]
    ids = [q.id for q in free]
    answered = dict(
        db.execute(
            select(Answer.question_id, func.count(Answer.id))
            .where(Answer.question_id.in_(ids), Answer.text.is_not(None))
            .group_by(Answer.question_id)
        ).all()
    )
    counts = dict(
        db.execute(
            select(ThemeAssignment.theme_id, func.count(func.distinct(ThemeAssignment.answer_id)))
            .join(Theme, Theme.id == ThemeAssignment.theme_id)
            .where(Theme.question_id.in_(ids))
            .group_by(ThemeAssignment.theme_id)
        ).all()
    )
    themes_by_q: dict[int, list[ThemeSummary]] = defaultdict(list)
    for t in db.scalars(select(Theme).where(Theme.question_id.in_(ids)).order_by(Theme.position, Theme.id)):
        n = counts.get(t.id, 0)
        total = answered.get(t.question_id, 0)
        themes_by_q[t.question_id].append(
            ThemeSummary(
                t.id,
                t.name,
                t.description,
                list(t.keyphrases),
                list(t.quotes),
                t.stance,
                t.origin.value,
                t.response_text,
                n,
                (n / total) if total else 0.0,
            )
        )
    return [
        QuestionThemes(q, answered.get(q.id, 0), sorted(themes_by_q[q.id], key=lambda s: (-s.count, s.name)))
        for q in free
    ]


@dataclass(frozen=True)
class ThemeComment:
    reference: str
    redacted: str
    confidence: float
    source: str
    stance: str | None
    flags: list[dict[str, str]]


@dataclass(frozen=True)
class ThemeDetail:
    theme: Theme
    question: Question
    comments: list[ThemeComment]


def theme_detail(db: Session, theme_id: int) -> ThemeDetail | None:
    row = db.execute(
        select(Theme, Question).join(Question, Question.id == Theme.question_id).where(Theme.id == theme_id)
    ).first()
    if row is None:
        return None
    theme, question = row
    comments = [
        ThemeComment(ref, red or "", conf, src.value, stance, flags or [])
        for ref, red, conf, src, stance, flags in db.execute(
            select(
                Response.reference,
                Answer.redacted,
                ThemeAssignment.confidence,
                ThemeAssignment.source,
                Answer.stance,
                Answer.flags,
            )
            .join(Answer, Answer.id == ThemeAssignment.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .where(ThemeAssignment.theme_id == theme_id)
            .order_by(ThemeAssignment.confidence.desc(), Answer.id)
        ).all()
    ]
    return ThemeDetail(theme, question, comments)


def save_responses(db: Session, actor_id: int, consultation: Consultation, texts: dict[int, str]) -> None:
    """Save the council's "what we will do" text for each theme of this consultation."""
    ids = [q.id for q in consultation.questions]
    for theme in db.scalars(select(Theme).where(Theme.question_id.in_(ids), Theme.id.in_(list(texts)))):
        new = texts[theme.id].strip()
        if new != theme.response_text:
            audit.record(
                db, actor_id, "theme.response_written", "theme", theme.id, before=theme.response_text, after=new
            )
            theme.response_text = new
    db.commit()


def publish(db: Session, actor_id: int, consultation: Consultation) -> None:
    from engage.models import Status

    if consultation.status != Status.CLOSED:
        raise Conflict("Close the consultation before publishing its results")
    missing = [s.name for qt in question_themes(db, consultation) for s in qt.themes if s.count and not s.response_text]
    if missing:
        raise Conflict("Write what the council will do for every theme before publishing: " + ", ".join(missing[:5]))
    fresh = db.get(Consultation, consultation.id)
    assert fresh is not None
    fresh.status = Status.PUBLISHED
    fresh.published_at = utcnow()
    audit.record(db, actor_id, "consultation.published", "consultation", consultation.id)
    db.commit()


@dataclass(frozen=True)
class ChoiceTally:
    question: Question
    answered: int
    counts: list[tuple[str, int]]


def choice_tallies(db: Session, consultation: Consultation) -> list[ChoiceTally]:
    from engage.labels import AGREEMENT_SCALE

    out = []
    for q in consultation.questions:
        if q.kind == QuestionKind.FREE_TEXT:
            continue
        options = AGREEMENT_SCALE if q.kind == QuestionKind.AGREEMENT else list(q.options)
        counter: dict[str, int] = dict.fromkeys(options, 0)
        answered = 0
        for text, choices in db.execute(select(Answer.text, Answer.choices).where(Answer.question_id == q.id)):
            answered += 1
            for value in (choices or []) if q.kind == QuestionKind.MULTIPLE_CHOICE else [text]:
                if value in counter:
                    counter[value] += 1
        out.append(ChoiceTally(q, answered, list(counter.items())))
    return out
