"""The audit log of staff actions: who did what to which record (never residents' words)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engage.models import AuditEvent


def record(
    db: Session,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(actor_id=actor_id, action=action, target_type=target_type, target_id=target_id, detail=detail)
    db.add(event)
    return event
