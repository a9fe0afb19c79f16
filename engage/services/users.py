"""Staff accounts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engage.models import Role, StaffUser, utcnow
from engage.security import hash_password, password_problem, verify_password
from engage.services import audit
from engage.services.errors import Conflict, NotFound, ValidationFailed


def create_user(db: Session, email: str, password: str, role: Role, display_name: str | None = None) -> StaffUser:
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if "@" not in email:
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
    problem = password_problem(password, email)
    if problem:
        errors["password"] = problem
    if not errors and db.scalar(select(StaffUser.id).where(StaffUser.email == email)):
        errors["email"] = "A staff account with this email address already exists"
    if errors:
        raise ValidationFailed(errors)
    user = StaffUser(
        email=email,
        display_name=display_name or email.split("@")[0].replace(".", " ").title(),
        password_hash=hash_password(password),
        role=role,
    )
    db.add(user)
    db.flush()
    audit.record(db, None, "staff.created", "staff_user", user.id, role=role.value)
    db.commit()
    return user


def check_password(db: Session, email: str, password: str) -> StaffUser | None:
    """The account whose password this is (active accounts only); records nothing."""
    user = db.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())).first()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    return user


def record_login(db: Session, user_id: int) -> None:
    user = db.get(StaffUser, user_id)
    assert user is not None
    user.last_login_at = utcnow()
    audit.record(db, user.id, "staff.login", "staff_user", user.id)
    db.commit()


def authenticate(db: Session, email: str, password: str) -> StaffUser | None:
    """Password-only sign in (accounts without a second factor)."""
    user = check_password(db, email, password)
    if user is not None:
        record_login(db, user.id)
    return user


@dataclass(frozen=True)
class PasswordChecked:
    user_id: int
    needs_code: bool


def sign_in_first_step(db: Session, email: str, password: str) -> PasswordChecked | None:
    """The password step: signed in now, or (with two-step verification on) once a code is given."""
    from engage.services import totp

    user = check_password(db, email, password)
    if user is None:
        return None
    if totp.is_enabled(db, user.id):
        return PasswordChecked(user.id, needs_code=True)
    record_login(db, user.id)
    return PasswordChecked(user.id, needs_code=False)


def active_user(db: Session, user_id: int) -> bool:
    return bool(db.scalar(select(StaffUser.is_active).where(StaffUser.id == user_id)))


def sign_in_second_step(db: Session, user_id: int, secret_key: str, code: str) -> bool:
    """The code step: True (and the sign in recorded) when the account is active and the code is right."""
    from engage.services import totp

    if not active_user(db, user_id) or not totp.verify_sign_in(db, user_id, secret_key, code):
        return False
    record_login(db, user_id)
    return True


# ---- Managing staff (administrators, in the browser) ------------------------------------------

SETUP_SALT = "engage.staff-set-up"
SETUP_MAX_AGE = 7 * 24 * 60 * 60  # a set-up link works for a week, and once


@dataclass(frozen=True)
class StaffRow:
    user: StaffUser
    two_step: bool


def list_staff(db: Session) -> list[StaffRow]:
    from engage.models import StaffTotp

    enabled = set(db.scalars(select(StaffTotp.staff_user_id).where(StaffTotp.enabled_at.is_not(None))))
    users = db.scalars(select(StaffUser).order_by(StaffUser.is_active.desc(), StaffUser.display_name, StaffUser.id))
    return [StaffRow(u, u.id in enabled) for u in users]


def get_staff(db: Session, user_id: int) -> StaffRow:
    from engage.services import totp

    user = db.get(StaffUser, user_id)
    if user is None:
        raise NotFound(str(user_id))
    return StaffRow(user, totp.is_enabled(db, user_id))


def _unusable_password() -> str:
    # Nobody knows it: the person chooses their own password through a set-up link.
    return hash_password(secrets.token_urlsafe(32))


def _fingerprint(user: StaffUser) -> str:
    # Changes whenever the password does, so a link works once and dies with a newer link.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def setup_token(secret_key: str, user: StaffUser) -> str:
    return URLSafeTimedSerializer(secret_key, salt=SETUP_SALT).dumps({"u": user.id, "h": _fingerprint(user)})


def user_for_token(db: Session, secret_key: str, token: str) -> StaffUser:
    """The active account a set-up link is for. Raises Conflict when the link is wrong, used or old."""
    problem = Conflict("This link does not work. It may have been used already, or be more than 7 days old")
    try:
        data = URLSafeTimedSerializer(secret_key, salt=SETUP_SALT).loads(token, max_age=SETUP_MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        raise problem from None
    user = db.get(StaffUser, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.is_active or not secrets.compare_digest(str(data.get("h")), _fingerprint(user)):
        raise problem
    return user


def _active_admins(db: Session) -> int:
    return db.scalar(select(func.count(StaffUser.id)).where(StaffUser.role == Role.ADMIN, StaffUser.is_active)) or 0


def _not_self(actor_id: int, user: StaffUser, what: str) -> None:
    if actor_id == user.id:
        raise Conflict(f"You cannot {what} your own account: ask another administrator")


def invite(db: Session, actor_id: int, email: str, display_name: str, role: Role) -> StaffUser:
    """A new staff account with no password yet: the person sets one through a set-up link."""
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
    elif db.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)):
        errors["email"] = "A staff account with this email address already exists"
    if errors:
        raise ValidationFailed(errors)
    name = " ".join(display_name.split())[:120] or email.split("@")[0].replace(".", " ").title()
    user = StaffUser(email=email, display_name=name, password_hash=_unusable_password(), role=role)
    db.add(user)
    db.flush()
    audit.record(db, actor_id, "staff.invited", "staff_user", user.id, role=role.value)
    db.commit()
    return user


def reset_password(db: Session, actor_id: int, user_id: int) -> StaffUser:
    """The current password (and any earlier set-up link) stops working; a new link is issued."""
    user = get_staff(db, user_id).user
    if not user.is_active:
        raise Conflict("Reactivate the account first")
    user.password_hash = _unusable_password()
    audit.record(db, actor_id, "staff.password_reset", "staff_user", user.id)
    db.commit()
    return user


def set_password(db: Session, secret_key: str, token: str, password: str) -> StaffUser:
    user = user_for_token(db, secret_key, token)
    problem = password_problem(password, user.email)
    if problem:
        raise ValidationFailed({"password": problem})
    user.password_hash = hash_password(password)
    audit.record(db, user.id, "staff.password_set", "staff_user", user.id)
    db.commit()
    return user


def change_role(db: Session, actor_id: int, user_id: int, role: Role) -> StaffUser:
    user = get_staff(db, user_id).user
    _not_self(actor_id, user, "change the role of")
    if user.role == role:
        return user
    if user.role == Role.ADMIN and user.is_active and _active_admins(db) <= 1:
        raise Conflict("There must always be at least one active administrator")
    before = user.role
    user.role = role
    audit.record(db, actor_id, "staff.role_changed", "staff_user", user.id, before=before.value, after=role.value)
    db.commit()
    return user


def set_active(db: Session, actor_id: int, user_id: int, active: bool) -> StaffUser:
    """Deactivated staff are signed out at their next request and cannot sign in; nothing is deleted."""
    user = get_staff(db, user_id).user
    _not_self(actor_id, user, "deactivate" if not active else "reactivate")
    if user.is_active == active:
        return user
    if not active and user.role == Role.ADMIN and _active_admins(db) <= 1:
        raise Conflict("There must always be at least one active administrator")
    user.is_active = active
    audit.record(db, actor_id, "staff.reactivated" if active else "staff.deactivated", "staff_user", user.id)
    db.commit()
    return user


def reset_two_step(db: Session, actor_id: int, user_id: int) -> StaffUser:
    """For someone who lost their authenticator: they sign in with their password and can set it up again."""
    from engage.models import StaffTotp

    user = get_staff(db, user_id).user
    _not_self(actor_id, user, "reset two-step verification for")
    deleted = db.execute(delete(StaffTotp).where(StaffTotp.staff_user_id == user.id)).rowcount  # type: ignore[attr-defined]
    if not deleted:
        db.rollback()
        raise Conflict("Two-step verification is not turned on for this account")
    audit.record(db, actor_id, "staff.totp_reset", "staff_user", user.id)
    db.commit()
    return user
