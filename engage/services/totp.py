"""The optional authenticator-app (TOTP, RFC 6238) second factor for staff.

Secrets are stored sealed (engage.crypto) with a key derived from ENGAGE_SECRET_KEY. A code is
accepted for the current 30-second step and one step either side (clock drift), and never twice:
the step of the last accepted code is stored, and moved forward with a conditional UPDATE so that
two requests racing with the same code cannot both succeed.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

import pyotp
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from engage import crypto
from engage.models import StaffTotp, StaffUser, utcnow
from engage.services import audit
from engage.services.errors import Conflict, NotFound, ValidationFailed

ISSUER = "Northbridge Engage"
PURPOSE = "totp-secret"
DRIFT_STEPS = 1
CODE_ERROR = "Enter the 6-digit code from your authenticator app"
WRONG_CODE = "The code is not correct, or it has been used already. Wait for a new code and try again"


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Setup:
    secret: str
    uri: str


def is_enabled(db: Session, user_id: int) -> bool:
    return (
        db.scalar(select(StaffTotp.id).where(StaffTotp.staff_user_id == user_id, StaffTotp.enabled_at.is_not(None)))
        is not None
    )


def pending_setup(db: Session, user_id: int, secret_key: str, start: bool = False) -> Setup | None:
    """The set-up in progress; with `start`, one is started if there is none (or its secret cannot be read)."""
    user = db.get(StaffUser, user_id)
    if user is None:
        raise NotFound(str(user_id))
    row = db.scalars(select(StaffTotp).where(StaffTotp.staff_user_id == user_id)).first()
    if row is not None and row.enabled_at is not None:
        raise Conflict("Two-step verification is already turned on")
    secret = None
    if row is not None:
        try:
            secret = crypto.unseal(secret_key, PURPOSE, row.secret)
        except crypto.Unreadable:
            secret = None
    if secret is None:
        if not start:
            return None
        secret = pyotp.random_base32()
        if row is None:
            row = StaffTotp(staff_user_id=user_id, secret="")
            db.add(row)
        row.secret = crypto.seal(secret_key, PURPOSE, secret)
        row.last_step = None
        db.commit()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Setup(secret, uri)


def qr_svg_data_uri(uri: str) -> str:
    import segno

    return str(segno.make_qr(uri, error="m").svg_data_uri(scale=5, dark="#0b0c0c", light="#ffffff"))


def _clean(code: str) -> str:
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        raise ValidationFailed({"code": CODE_ERROR})
    return code


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret)
    now = totp.timecode(_from_timestamp(_now()))
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step  # no early return: the same work whichever step matches
    return found


def _from_timestamp(ts: float):  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def _use_code(db: Session, row: StaffTotp, secret_key: str, code: str) -> bool:
    """Accept the code once: True if it matches and no code from its step (or later) was used."""
    try:
        secret = crypto.unseal(secret_key, PURPOSE, row.secret)
    except crypto.Unreadable:
        return False
    step = _matching_step(secret, code)
    if step is None:
        return False
    moved = db.execute(
        update(StaffTotp)
        .where(StaffTotp.id == row.id, or_(StaffTotp.last_step.is_(None), StaffTotp.last_step < step))
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1  # type: ignore[attr-defined]


def confirm_setup(db: Session, user_id: int, secret_key: str, code: str) -> None:
    code = _clean(code)
    row = db.scalars(select(StaffTotp).where(StaffTotp.staff_user_id == user_id)).first()
    if row is None or row.enabled_at is not None:
        raise Conflict("There is no set-up in progress")
    if not _use_code(db, row, secret_key, code):
        db.rollback()
        raise ValidationFailed({"code": WRONG_CODE})
    db.execute(update(StaffTotp).where(StaffTotp.id == row.id).values(enabled_at=utcnow()))
    audit.record(db, user_id, "staff.totp_enabled", "staff_user", user_id)
    db.commit()


def disable(db: Session, user_id: int, secret_key: str, code: str) -> None:
    code = _clean(code)
    row = db.scalars(
        select(StaffTotp).where(StaffTotp.staff_user_id == user_id, StaffTotp.enabled_at.is_not(None))
    ).first()
    if row is None:
        raise Conflict("Two-step verification is not turned on")
    if not _use_code(db, row, secret_key, code):
        db.rollback()
        raise ValidationFailed({"code": WRONG_CODE})
    db.execute(delete(StaffTotp).where(StaffTotp.id == row.id))
    audit.record(db, user_id, "staff.totp_disabled", "staff_user", user_id)
    db.commit()


def verify_sign_in(db: Session, user_id: int, secret_key: str, code: str) -> bool:
    """The second step of signing in. Raises ValidationFailed for a code that is not 6 digits."""
    code = _clean(code)
    row = db.scalars(
        select(StaffTotp).where(StaffTotp.staff_user_id == user_id, StaffTotp.enabled_at.is_not(None))
    ).first()
    if row is None:
        return False
    ok = _use_code(db, row, secret_key, code)
    db.commit()
    return ok


def reset(db: Session, email: str) -> bool:
    """An administrator's way back in for someone who lost their device (the `engage reset-totp` command)."""
    user = db.scalars(select(StaffUser).where(StaffUser.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(email)
    deleted = db.execute(delete(StaffTotp).where(StaffTotp.staff_user_id == user.id)).rowcount  # type: ignore[attr-defined]
    if deleted:
        audit.record(db, None, "staff.totp_reset", "staff_user", user.id)
    db.commit()
    return bool(deleted)
