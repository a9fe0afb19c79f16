"""Feedback at any time, routed to a service area.

The feedback form writes into one standing consultation (kind "feedback"), where each service
area is a free-text question: feedback is stored, themed, reviewed and exported exactly like
consultation responses, with channel "feedback" saying where it came from.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.models import (
    Audience,
    Channel,
    Consultation,
    ConsultationKind,
    Question,
    QuestionKind,
    ServiceArea,
    Status,
)
from engage.services import audit, consultations, responses
from engage.services.errors import NotFound, ValidationFailed

SLUG = "feedback"
DEFAULT_AREAS = [
    "Bins, recycling and street cleaning",
    "Roads, parking and transport",
    "Parks and open spaces",
    "Housing",
    "Schools and education",
    "Libraries and community centres",
    "Something else",
]


def ensure_consultation(db: Session) -> Consultation:
    """The feedback consultation, created with the default service areas the first time it is needed."""
    c = db.scalars(select(Consultation).where(Consultation.kind == ConsultationKind.FEEDBACK)).first()
    if c is not None:
        return c
    slug = SLUG
    while db.scalar(select(Consultation.id).where(Consultation.slug == slug)):
        slug += "-x"
    c = Consultation(
        slug=slug,
        title="Feedback at any time",
        summary="General feedback about council services, sent through the feedback form.",
        body="Each service area is a question: run theming to see what people raise about each one.",
        audiences=[a.value for a in Audience],
        status=Status.OPEN,
        kind=ConsultationKind.FEEDBACK,
    )
    db.add(c)
    db.flush()
    for name in DEFAULT_AREAS:
        _add(db, c, name)
    db.commit()
    return c


def _add(db: Session, c: Consultation, name: str) -> ServiceArea:
    position = (db.scalar(select(func.max(Question.position)).where(Question.consultation_id == c.id)) or 0) + 1
    q = Question(
        consultation_id=c.id, position=position, kind=QuestionKind.FREE_TEXT, text=f"Feedback about {name.lower()}"
    )
    db.add(q)
    db.flush()
    area = ServiceArea(name=name, question_id=q.id)
    db.add(area)
    db.flush()
    return area


def areas(db: Session, *, include_inactive: bool = False) -> list[ServiceArea]:
    ensure_consultation(db)
    query = select(ServiceArea).order_by(ServiceArea.id)
    if not include_inactive:
        query = query.where(ServiceArea.active.is_(True))
    return list(db.scalars(query))


def add_area(db: Session, actor_id: int, name: str) -> ServiceArea:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": "Enter the name of the service area"})
    if len(name) > 120:
        raise ValidationFailed({"name": "Name must be 120 characters or fewer"})
    c = ensure_consultation(db)
    if db.scalar(select(ServiceArea.id).where(func.lower(ServiceArea.name) == name.lower())):
        raise ValidationFailed({"name": "There is already a service area with this name"})
    area = _add(db, c, name)
    audit.record(db, actor_id, "service_area.added", "service_area", area.id, name=name)
    db.commit()
    return area


def set_active(db: Session, actor_id: int, area_id: int, active: bool) -> ServiceArea:
    area = db.get(ServiceArea, area_id)
    if area is None:
        raise NotFound(str(area_id))
    area.active = active
    audit.record(db, actor_id, "service_area.shown" if active else "service_area.hidden", "service_area", area.id)
    db.commit()
    return area


def submit(db: Session, area_id: int, text: str, audience: Audience, idempotency_key: str) -> responses.Receipt:
    area = db.get(ServiceArea, area_id)
    if area is None or not area.active:
        raise ValidationFailed({"area": "Select which service your feedback is about"})
    c = consultations.get(db, ensure_consultation(db).id)
    # Feedback is taken whatever the consultation's status: the channel marks where it came from.
    return responses.submit(
        db,
        c,
        audience=audience,
        answers={area.question_id: text},
        idempotency_key=idempotency_key,
        channel=Channel.FEEDBACK,
    )
