"""Public forms refuse scripts: a filled honeypot, a form sent faster than a person can, or too
many forms from one address. Nothing is stored, and the refusal is logged without personal data."""

from __future__ import annotations

import dataclasses
import logging
import re
import time

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from engage.app import create_app
from engage.models import Response
from tests.factories import make_consultation
from tests.pagecheck import check_response


@pytest.fixture
def strict_client(settings, sessions):  # type: ignore[no-untyped-def]
    strict = dataclasses.replace(settings, min_fill_seconds=2, public_rate_limit="3/minute")
    with TestClient(create_app(strict)) as c:
        c.event_hooks["response"].append(check_response)
        yield c


def _submit(client, c, **extra):  # type: ignore[no-untyped-def]
    page = client.get(f"/consultations/{c.slug}/respond").text
    fields = dict(re.findall(r'name="(csrftoken|idempotency_key|form_started)" value="([^"]*)"', page))
    agree, why, _how = c.questions
    data = {
        **fields,
        "action": "submit",
        "audience": "resident",
        f"q{agree.id}": "Agree",
        f"q{why.id}": "More trees on the high street",
        "website": "",
    }
    data.update(extra)
    return client.post(f"/consultations/{c.slug}/respond", data=data)


def _count(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count(Response.id))) or 0


def test_too_fast_then_at_a_human_pace(strict_client, db, sessions, caplog):
    c = make_consultation(db)
    with caplog.at_level(logging.WARNING):
        r = _submit(strict_client, c)
    assert r.status_code == 400 and "Nothing has been saved" in r.text
    assert "public form refused: response (too fast)" in caplog.text
    assert "testclient" not in caplog.text  # the address is never logged
    page = strict_client.get(f"/consultations/{c.slug}/respond").text
    fields = dict(re.findall(r'name="(csrftoken|idempotency_key|form_started)" value="([^"]*)"', page))
    time.sleep(2.1)
    agree, why, _ = c.questions
    r = strict_client.post(
        f"/consultations/{c.slug}/respond",
        data={
            **fields,
            "action": "submit",
            "audience": "resident",
            f"q{agree.id}": "Agree",
            f"q{why.id}": "Yes",
            "website": "",
        },
    )
    assert "Response received" in r.text
    assert _count(sessions) == 1


def test_honeypot_and_missing_start_time_are_refused(strict_client, db, sessions):
    c = make_consultation(db)
    time.sleep(0)  # the honeypot is checked first, whatever the timing
    assert _submit(strict_client, c, website="http://spam.example").status_code == 400
    assert _submit(strict_client, c, form_started="forged").status_code == 400
    assert _count(sessions) == 0


def test_rate_limit_per_address(settings, sessions, db):
    c = make_consultation(db)
    relaxed = dataclasses.replace(settings, min_fill_seconds=0, public_rate_limit="3/minute")
    with TestClient(create_app(relaxed)) as client:
        codes = [_submit(client, c).status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    assert _count(sessions) == 3


def test_every_public_form_carries_the_guard_fields(client, db):
    c = make_consultation(db)
    page = client.get(f"/consultations/{c.slug}/respond").text
    assert 'name="form_started"' in page and 'name="website"' in page and 'tabindex="-1"' in page
    feedback = client.get("/feedback").text
    assert 'name="form_started"' in feedback and 'name="website"' in feedback
