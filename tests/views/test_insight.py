from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.models import AuditEvent, EqualityAnswers, PopulationShare
from tests.conftest import csrf_from, form_post
from tests.factories import make_comments, make_consultation, make_theme


@pytest.fixture
def c(db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="closed")
    answers = make_comments(db, c, [f"Buses are unreliable for disabled residents {i}" for i in range(25)])
    make_theme(db, c.questions[1], answers=answers[:20], name="Accessible buses", quotes=["QUOTE-MUST-NOT-APPEAR"])
    for i, a in enumerate(answers):
        db.add(
            EqualityAnswers(response_id=a.response_id, disability="Yes, limited a lot" if i < 5 else "No", sex="Female")
        )
    db.commit()
    return c


@pytest.mark.parametrize("role", ["coalition_member", "officer", "moderator"])
def test_insight_page_has_intervals_suppression_and_no_quotes(client, login, c, role):
    login(role)
    page = client.get(f"/staff/questions/{c.questions[1].id}/insight")
    assert page.status_code == 200
    assert "Accessible buses" in page.text and "fewer than 10" in page.text
    assert "QUOTE-MUST-NOT-APPEAR" not in page.text and "unreliable" not in page.text
    assert "(" in page.text and " to " in page.text


def test_insight_csv_is_protected_and_logged(client, login, c, sessions):
    login("officer")
    r = client.get(f"/staff/questions/{c.questions[1].id}/insight.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "fewer than 10" in r.text and "95% CI" in r.text
    with sessions() as s:
        assert "export.insight_csv" in s.scalars(select(AuditEvent.action)).all()


def test_representation_page(client, login, c):
    login("coalition_member")
    r = client.get(f"/staff/consultations/{c.id}/representation")
    assert r.status_code == 200 and "Who took part" in r.text


def test_only_managers_change_population_figures(client, login, sessions):
    login("coalition_member")
    assert client.get("/staff/population").status_code == 200
    token = csrf_from(client.get("/staff/population").text)
    r = client.post("/staff/population", data={"share:age_band:Under 13": "14", "csrftoken": token})
    assert r.status_code == 403
    client.post("/staff/logout", data={"csrftoken": token})
    login("officer")
    r = form_post(client, "/staff/population", "/staff/population", {"share:age_band:Under 13": "14", "source": "ONS"})
    assert "Population figures saved." in r.text
    r = form_post(client, "/staff/population", "/staff/population", {"share:age_band:Under 13": "abc"})
    assert r.status_code == 400 and "Enter a percentage" in r.text
    with sessions() as s:
        assert s.scalars(select(PopulationShare.share)).all() == [0.14]
