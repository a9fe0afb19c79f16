"""After a response is stored: optional equality questions and an optional contact email.

Both are kept apart from what the person said (EqualityAnswers, ResponseContact) and found
through the response's reference, which the web layer keeps in the person's session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.equality import (
    AGE_BANDS,
    DISABILITY,
    ETHNIC_GROUPS,
    PREFER_NOT_TO_SAY,
    RELIGIONS,
    SEXES,
    YOUNG_AGE_BANDS,
)
from engage.models import Audience, EqualityAnswers, Response, ResponseContact
from engage.services.errors import Conflict, NotFound, ValidationFailed

UNDER_13 = "Under 13"
FIELDS = ("age_band", "sex", "ethnic_group", "ethnic_group_detail", "disability", "religion")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
ADULT_AUDIENCES = tuple(a.value for a in Audience if a != Audience.YOUNG_PERSON)
UNDER_13_MESSAGE = "We do not ask children under 13 these questions"


def options(field: str, ethnic_group: str | None = None, *, young_person: bool = False) -> list[str]:
    """The answers a question offers, "Prefer not to say" last. Someone who said they are a young
    person is offered the under-18 age bands only."""
    if field == "age_band" and young_person:
        base = [band for band in AGE_BANDS if band in YOUNG_AGE_BANDS]
    elif field == "ethnic_group_detail":
        base = ETHNIC_GROUPS.get(ethnic_group or "", [])
    else:
        base = {
            "age_band": AGE_BANDS,
            "sex": SEXES,
            "ethnic_group": list(ETHNIC_GROUPS),
            "disability": DISABILITY,
            "religion": RELIGIONS,
        }[field]
    return [*base, PREFER_NOT_TO_SAY]


def is_young(age_band: str | None) -> bool:
    return age_band in YOUNG_AGE_BANDS


def is_adult(age_band: str | None) -> bool:
    return age_band is not None and age_band in AGE_BANDS and age_band not in YOUNG_AGE_BANDS


def audiences_for(audiences: tuple[str, ...], age_band: str | None) -> tuple[str, ...]:
    """Who a respondent may say they are, given the age they gave before the questions.

    Under 18: a young person. 18 or over: never "Young person (under 18)"; when a consultation is
    for young people only, an adult says which adult they are. No age (or prefer not to say): the
    consultation's audiences.
    """
    if is_young(age_band) and Audience.YOUNG_PERSON.value in audiences:
        return (Audience.YOUNG_PERSON.value,)
    if is_adult(age_band):
        return tuple(a for a in audiences if a != Audience.YOUNG_PERSON.value) or ADULT_AUDIENCES
    return audiences


def shows_young_support(young_people: bool, audience: str | None, age_band: str | None) -> bool:
    """Whether the pages after a response show where young people can get support."""
    if is_adult(age_band):
        return audience == Audience.YOUNG_PERSON.value
    return young_people or audience == Audience.YOUNG_PERSON.value or is_young(age_band)


def response_audience(db: Session, reference: str) -> str | None:
    audience = db.scalar(select(Response.audience).where(Response.reference == reference))
    return audience.value if audience is not None else None


def _response_id(db: Session, reference: str) -> int:
    rid = db.scalar(select(Response.id).where(Response.reference == reference))
    if rid is None:
        raise NotFound(reference)
    return rid


def answers_for(db: Session, reference: str) -> EqualityAnswers | None:
    rid = _response_id(db, reference)
    return db.scalar(select(EqualityAnswers).where(EqualityAnswers.response_id == rid))


def save_answer(db: Session, reference: str, field: str, value: str | None) -> EqualityAnswers:
    """Record one equality answer (None: skipped). Changing the broad ethnic group clears the detail."""
    if field not in FIELDS:
        raise ValidationFailed({field: "Unknown question"})
    existing = answers_for(db, reference)
    if existing is not None and existing.age_band == UNDER_13:
        raise Conflict(UNDER_13_MESSAGE)
    row = existing or EqualityAnswers(response_id=_response_id(db, reference))
    if value is not None and value not in options(field, row.ethnic_group):
        raise ValidationFailed({field: "Select one of the options"})
    if field == "ethnic_group" and value != row.ethnic_group:
        row.ethnic_group_detail = None
    setattr(row, field, value)
    if existing is None:
        db.add(row)
    db.commit()
    return row


@dataclass(frozen=True)
class ContactState:
    allowed: bool  # False for under-13s: they are never asked for contact details
    email: str
    notify: bool


def contact_state(db: Session, reference: str) -> ContactState:
    rid = _response_id(db, reference)
    age = db.scalar(select(EqualityAnswers.age_band).where(EqualityAnswers.response_id == rid))
    contact = db.scalar(select(ResponseContact).where(ResponseContact.response_id == rid))
    return ContactState(age != UNDER_13, contact.email if contact else "", bool(contact and contact.notify_on_publish))


def save_contact(db: Session, reference: str, email: str, notify: bool) -> None:
    """Store (or, given an empty email, remove) the respondent's email and their choice about updates."""
    if not contact_state(db, reference).allowed:
        raise Conflict("We do not ask children under 13 for contact details")
    email = email.strip()
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise ValidationFailed({"email": "Enter an email address in the correct format, like name@example.com"})
    if notify and not email:
        raise ValidationFailed({"email": "Enter your email address so we can tell you when the results are published"})
    rid = _response_id(db, reference)
    contact = db.scalar(select(ResponseContact).where(ResponseContact.response_id == rid))
    if not email:
        if contact is not None:
            db.delete(contact)
    elif contact is None:
        db.add(ResponseContact(response_id=rid, email=email, notify_on_publish=notify))
    else:
        contact.email, contact.notify_on_publish = email, notify
    db.commit()
