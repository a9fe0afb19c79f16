from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from engage.models import Audience, Response
from engage.services import responses
from engage.services.errors import Conflict
from tests.factories import make_consultation


def test_reference_format_avoids_lookalikes():
    for _ in range(200):
        ref = responses.new_reference()
        assert re.fullmatch(r"[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}", ref)


def test_same_key_from_concurrent_requests_stores_one_response(sessions, db):
    c = make_consultation(db)
    with sessions() as s:
        from engage.services.consultations import get

        consultation = get(s, c.id)
    receipts = []

    def submit() -> None:
        with sessions() as s:
            receipts.append(
                responses.submit(
                    s,
                    consultation,
                    audience=Audience.RESIDENT,
                    answers={consultation.questions[1].id: "Rename it"},
                    idempotency_key="k" * 32,
                )
            )

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.reference for r in receipts}) == 1
    assert sum(r.created for r in receipts) == 1
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 1


def test_closed_consultation_refuses_online_responses(sessions, db):
    c = make_consultation(db, status="closed")
    with sessions() as s:
        from engage.services.consultations import get

        with pytest.raises(Conflict):
            responses.submit(s, get(s, c.id), audience=Audience.RESIDENT, answers={}, idempotency_key=None)


def test_a_consultation_closed_after_the_form_was_read_refuses_the_response(sessions, db):
    from engage.models import Status
    from engage.services.consultations import response_form_spec

    c = make_consultation(db, status="open")
    with sessions() as s:
        spec = response_form_spec(s, c.slug)  # read in one transaction...
    c.status = Status.CLOSED
    db.commit()
    with sessions() as s, pytest.raises(Conflict):  # ...submitted in another
        responses.submit(s, spec, audience=Audience.RESIDENT, answers={}, idempotency_key="c" * 32)
    assert db.scalar(select(func.count(Response.id))) == 0


def test_submit_stores_answers_and_age_band_from_a_form_spec(sessions, db):
    from engage.models import Answer, EqualityAnswers
    from engage.services.consultations import response_form_spec

    c = make_consultation(db, status="open", young_people=True)
    with sessions() as s:
        spec = response_form_spec(s, c.slug)
    assert [q.text for q in spec.questions] == [q.text for q in c.questions]  # in the form's order
    agree, why, how = (q.id for q in spec.questions)
    with sessions() as s:
        receipt = responses.submit(
            s,
            spec,
            audience=Audience.YOUNG_PERSON,
            answers={agree: "Agree", why: "Names matter", how: ["Schools", "Workshops"]},
            idempotency_key=None,  # transcribed responses have none: never treated as a repeat
            age_band="13-15",
        )
        again = responses.submit(
            s, spec, audience=Audience.PARENT, answers={agree: "Disagree", why: "", how: []}, idempotency_key=None
        )
    assert receipt.created and again.created and receipt.reference != again.reference
    stored = db.scalars(select(Answer).order_by(Answer.id)).all()
    assert [(a.question_id, a.text, a.choices) for a in stored] == [
        (agree, "Agree", None),
        (why, "Names matter", None),
        (how, None, ["Schools", "Workshops"]),
        (agree, "Disagree", None),
    ]
    assert db.scalars(select(EqualityAnswers.age_band)).all() == ["13-15"]


def test_form_spec_hides_drafts_and_the_form_class_is_built_once(sessions, db):
    from engage.forms import response_form_for
    from engage.services.consultations import response_form_spec
    from engage.services.errors import NotFound

    draft = make_consultation(db, status="draft")
    c = make_consultation(db, status="open")
    with sessions() as s:
        with pytest.raises(NotFound):
            response_form_spec(s, draft.slug)
        first, second = response_form_spec(s, c.slug), response_form_spec(s, c.slug)
    assert first == second and hash(first) == hash(second)
    assert response_form_for(first.questions, first.audiences) is response_form_for(second.questions, second.audiences)


@pytest.mark.parametrize("status", ["open", "closed", "published"])
def test_questions_cannot_change_once_a_consultation_is_public(db, status):
    # The response form's cache (ADR 0008) relies on this.
    from engage.models import QuestionKind
    from engage.services import consultations
    from tests.factories import make_staff

    officer = make_staff(db, role="officer")
    c = make_consultation(db, status=status)
    with pytest.raises(Conflict):
        consultations.add_question(
            db, officer.id, c.id, text="New?", hint="", kind=QuestionKind.FREE_TEXT, options=[], required=False
        )
    with pytest.raises(Conflict):
        consultations.remove_question(db, officer.id, c.id, c.questions[0].id)
    with pytest.raises(Conflict):
        consultations.move_question(db, officer.id, c.id, c.questions[0].id, "down")
