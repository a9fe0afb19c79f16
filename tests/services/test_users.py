"""Staff accounts: set-up links work once and for a week; there is always an active administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.models import AuditEvent, Role, StaffUser
from engage.security import verify_password
from engage.services import users
from engage.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_staff

KEY = "test-secret-key-not-for-production"
PASSWORD = "lantern orchard pebble violin"


def test_an_invited_account_has_no_usable_password_until_the_link_is_used(db):
    admin = make_staff(db, role="admin")
    user = users.invite(db, admin.id, " New.Person@Northbridge.example ", "", Role.MODERATOR)
    assert user.email == "new.person@northbridge.example" and user.display_name == "New Person"
    assert users.check_password(db, user.email, "") is None
    token = users.setup_token(KEY, user)
    assert users.user_for_token(db, KEY, token).id == user.id
    with pytest.raises(Conflict):
        users.user_for_token(db, "another-key", token)
    users.set_password(db, KEY, token, PASSWORD)
    assert users.check_password(db, user.email, PASSWORD) is not None
    with pytest.raises(Conflict):
        users.set_password(db, KEY, token, "another long passphrase here")  # used


def test_set_up_links_expire(db, monkeypatch):
    admin = make_staff(db, role="admin")
    user = users.invite(db, admin.id, "late@northbridge.example", "Late", Role.OFFICER)
    token = users.setup_token(KEY, user)
    monkeypatch.setattr(users, "SETUP_MAX_AGE", -1)
    with pytest.raises(Conflict, match="more than 7 days old"):
        users.user_for_token(db, KEY, token)


def test_a_deactivated_accounts_link_does_not_work(db):
    admin = make_staff(db, role="admin")
    user = users.invite(db, admin.id, "gone@northbridge.example", "Gone", Role.OFFICER)
    token = users.setup_token(KEY, user)
    users.set_active(db, admin.id, user.id, False)
    with pytest.raises(Conflict):
        users.user_for_token(db, KEY, token)


def test_weak_passwords_are_refused(db):
    admin = make_staff(db, role="admin")
    user = users.invite(db, admin.id, "weak@northbridge.example", "Weak", Role.OFFICER)
    with pytest.raises(ValidationFailed) as exc:
        users.set_password(db, KEY, users.setup_token(KEY, user), "short")
    assert "password" in exc.value.errors
    db.expire_all()
    assert not verify_password(db.get(StaffUser, user.id).password_hash, "short")


def test_there_is_always_an_active_administrator(db):
    first = make_staff(db, role="admin")
    second = make_staff(db, role="admin")
    users.change_role(db, first.id, second.id, Role.OFFICER)
    # `second`, now an officer, cannot act as admin in the views; in the service the rule still holds:
    with pytest.raises(Conflict, match="at least one active administrator"):
        users.set_active(db, second.id, first.id, False)
    with pytest.raises(Conflict, match="at least one active administrator"):
        users.change_role(db, second.id, first.id, Role.OFFICER)
    with pytest.raises(Conflict, match="your own account"):
        users.set_active(db, first.id, first.id, False)
    with pytest.raises(NotFound):
        users.change_role(db, first.id, 999999, Role.OFFICER)
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "staff_user")).all()
    assert actions == ["staff.role_changed"]
