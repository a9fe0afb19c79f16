"""Staff accounts."""

from __future__ import annotations

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


def authenticate(db: Session, email: str, password: str) -> StaffUser | None:
    user = db.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())).first()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    user.last_login_at = utcnow()
    audit.record(db, user.id, "staff.login", "staff_user", user.id)
    db.commit()
    return user
