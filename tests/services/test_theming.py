from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from engage.models import (
    Answer,
    AssignmentSource,
    JobStatus,
    Theme,
    ThemeAssignment,
    ThemeOrigin,
    ThemingJob,
    utcnow,
)
from engage.services import theming
from engage.worker import Worker, start_in_thread
from tests.factories import make_consultation, make_response

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


@pytest.fixture
def consultation(db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="closed")
    for text in COMMENTS:
        make_response(db, c, {c.questions[1].id: text})
    return c


def _run(sessions, c, nlp):  # type: ignore[no-untyped-def]
    with sessions() as s:
        job = theming.enqueue(s, c.id, None)
    worker = Worker(sessions, lambda: nlp)
    assert worker.run_once()
    with sessions() as s:
        return s.get(ThemingJob, job.id)


def test_discovery_assigns_every_answer_and_redacts(sessions, consultation, nlp):
    job = _run(sessions, consultation, nlp)
    assert job.status == JobStatus.DONE and job.progress == 1.0
    with sessions() as s:
        answers = s.scalars(select(Answer).where(Answer.question_id == consultation.questions[1].id)).all()
        assert all(a.redacted is not None and a.stance for a in answers)
        placed = set(s.scalars(select(ThemeAssignment.answer_id)))
        assert placed == {a.id for a in answers}
        assert all(t.origin == ThemeOrigin.MODEL and t.name for t in s.scalars(select(Theme)))


def test_rerun_never_overwrites_an_officers_decision(sessions, consultation, nlp, db):
    _run(sessions, consultation, nlp)
    with sessions() as s:
        officer_theme = Theme(
            question_id=consultation.questions[1].id,
            key="plaques",
            name="Explain with plaques",
            description="Add plaques instead of renaming",
            origin=ThemeOrigin.OFFICER,
            examples=["Put up plaques explaining the history instead of renaming"],
        )
        s.add(officer_theme)
        s.flush()
        answer = s.scalars(select(Answer).where(Answer.text == COMMENTS[0])).one()
        s.execute(ThemeAssignment.__table__.delete().where(ThemeAssignment.answer_id == answer.id))
        s.add(
            ThemeAssignment(
                theme_id=officer_theme.id, answer_id=answer.id, confidence=1.0, source=AssignmentSource.OFFICER
            )
        )
        s.commit()
        officer_theme_id, answer_id = officer_theme.id, answer.id

    _run(sessions, consultation, nlp)  # the question now has an officer codebook: map onto it
    with sessions() as s:
        mine = s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id == answer_id)).all()
        assert [(a.theme_id, a.source) for a in mine] == [(officer_theme_id, AssignmentSource.OFFICER)]
        others = s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id != answer_id)).all()
        assert others and all(a.source == AssignmentSource.MODEL for a in others)
        assert s.get(Theme, officer_theme_id).quotes  # quotes were chosen from mapped comments


def test_a_failing_job_is_retried_then_marked_failed(sessions, consultation):
    class Broken:
        def __call__(self, *a, **k):  # type: ignore[no-untyped-def]
            raise RuntimeError("model exploded")

        def pipe(self, *a, **k):  # type: ignore[no-untyped-def]
            raise RuntimeError("model exploded")

    with sessions() as s:
        job = theming.enqueue(s, consultation.id, None)
    worker = Worker(sessions, lambda: Broken())
    for attempt in range(1, 4):
        assert worker.run_once()
        with sessions() as s:
            j = s.get(ThemingJob, job.id)
            assert j.attempts == attempt and "model exploded" in (j.error or "")
            assert j.status == (JobStatus.FAILED if attempt == 3 else JobStatus.QUEUED)
    assert not worker.run_once()


def test_enqueue_twice_gives_the_same_job(sessions, consultation):
    with sessions() as s:
        a = theming.enqueue(s, consultation.id, None)
        b = theming.enqueue(s, consultation.id, None)
        assert a.id == b.id


def test_stale_running_jobs_are_requeued(sessions, consultation):
    with sessions() as s:
        job = theming.enqueue(s, consultation.id, None)
        theming.claim_next(s, "dead-worker")
    with sessions() as s:
        j = s.get(ThemingJob, job.id)
        j.heartbeat_at = utcnow() - dt.timedelta(hours=1)
        s.commit()
        assert theming.requeue_stale(s) == 1
        assert s.get(ThemingJob, job.id).status == JobStatus.QUEUED


def test_two_workers_never_claim_the_same_job(sessions, db, engine):
    jobs = []
    for _ in range(6):
        c = make_consultation(db, status="closed")
        with sessions() as s:
            jobs.append(theming.enqueue(s, c.id, None).id)
    claimed: list[int] = []
    lock = threading.Lock()

    def claim_all(name: str) -> None:
        while True:
            with sessions() as s:
                job_id = theming.claim_next(s, name)
            if job_id is None:
                return
            with lock:
                claimed.append(job_id)

    threads = [threading.Thread(target=claim_all, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(jobs)


def test_in_process_worker_thread_picks_up_jobs(sessions, consultation, nlp):
    worker = Worker(sessions, lambda: nlp, poll_seconds=0.1)
    thread, stop = start_in_thread(worker)
    try:
        with sessions() as s:
            job = theming.enqueue(s, consultation.id, None)
        worker.wake.set()
        deadline = utcnow() + dt.timedelta(seconds=60)
        while utcnow() < deadline:
            with sessions() as s:
                if s.get(ThemingJob, job.id).status == JobStatus.DONE:
                    break
            threading.Event().wait(0.1)
        with sessions() as s:
            assert s.get(ThemingJob, job.id).status == JobStatus.DONE
    finally:
        stop.set()
        worker.wake.set()
        thread.join(timeout=30)
