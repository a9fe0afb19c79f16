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
