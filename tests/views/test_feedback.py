"""Feedback at any time: public form, routed to a service area, stored and themed like responses."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engage.models import Answer, Consultation, Response, ServiceArea
from engage.services import feedback
from tests.conftest import csrf_from, form_post
from tests.factories import make_consultation


def _page(client):  # type: ignore[no-untyped-def]
    page = client.get("/feedback")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    return page, csrf_from(page.text), key


def test_feedback_is_stored_as_a_response_to_the_service_area_question(client, db, sessions):
    page, token, key = _page(client)
    assert "Bins, recycling and street cleaning" in page.text
    with sessions() as s:
        area = s.scalars(select(ServiceArea).where(ServiceArea.name == "Parks and open spaces")).one()
    data = {"csrftoken": token, "idempotency_key": key, "area": str(area.id), "feedback": "The park gates are broken."}
    r = client.post("/feedback", data=data)
    assert "Feedback sent" in r.text and "Childline" not in r.text
    again = client.post("/feedback", data=data)  # a double click
    assert "Feedback sent" in again.text
    with sessions() as s:
        response = s.scalars(select(Response)).one()
        assert response.channel == "feedback"
        answer = s.scalars(select(Answer)).one()
        assert answer.question_id == area.question_id and answer.text == "The park gates are broken."


def test_feedback_errors_and_young_people_see_support(client, db, sessions):
    _, token, key = _page(client)
    r = client.post("/feedback", data={"csrftoken": token, "idempotency_key": key})
    assert r.status_code == 400 and 'href="#area-0"' in r.text and 'href="#feedback"' in r.text
    area = feedback.areas(db)[0]
    db.commit()  # end the read transaction (SQLite: BEGIN IMMEDIATE)
    r = client.post(
        "/feedback",
        data={
            "csrftoken": token,
            "idempotency_key": key,
            "area": str(area.id),
            "feedback": "School bus is late",
            "audience": "young_person",
        },
    )
    assert "Childline" in r.text


def test_feedback_consultation_is_not_listed_publicly(client, db):
    c = feedback.ensure_consultation(db)
    make_consultation(db, title="Real consultation")
    home = client.get("/")
    assert "Real consultation" in home.text and c.title not in home.text
    assert client.get(f"/consultations/{c.slug}").status_code == 404


def test_officers_add_and_hide_service_areas(client, db, login, sessions):
    login()
    r = form_post(client, "/staff/service-areas", "/staff/service-areas", {"name": "Adult social care"})
    assert "Service area added" in r.text
    dup = form_post(client, "/staff/service-areas", "/staff/service-areas", {"name": "adult social care"})
    assert dup.status_code == 400 and "already" in dup.text
    with sessions() as s:
        area = s.scalars(select(ServiceArea).where(ServiceArea.name == "Adult social care")).one()
    r = form_post(client, "/staff/service-areas", f"/staff/service-areas/{area.id}", {"active": "0"})
    assert "hidden from" in r.text
    assert "Adult social care" not in client.get("/feedback").text
    with sessions() as s:
        assert s.scalar(select(func.count(Consultation.id)).where(Consultation.kind == "feedback")) == 1


def test_service_areas_are_for_managers(client, db, login):
    login("coalition_member")
    assert client.get("/staff/service-areas").status_code == 403


def test_feedback_is_themed_with_the_consultation(db, sessions, nlp):
    from engage.services import theming

    areas = feedback.areas(db)
    texts = [
        "The bins were not collected on our street again this week",
        "Missed bin collection three weeks running",
        "Recycling bins left out and not emptied",
        "Please fix the potholes on Station Road",
        "Potholes on Station Road damaged my bike",
        "The road surface near the school is full of potholes",
    ]
    for i, text in enumerate(texts):
        feedback.submit(db, areas[0].id, text, feedback.Audience.RESIDENT, f"key-for-feedback-{i:04d}")
    c = feedback.ensure_consultation(db)
    db.commit()
    theming.theme_consultation(sessions, c.id, nlp)
    with sessions() as s:
        redacted = s.scalars(select(Answer.redacted)).all()
    assert all(r for r in redacted)
