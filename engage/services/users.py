"""Staff accounts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.models import Role, StaffUser, utcnow
from engage.security import hash_password, password_problem, verify_password
from engage.services import audit
from engage.services.errors import ValidationFailed


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
