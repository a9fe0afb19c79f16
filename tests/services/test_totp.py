from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from engage import crypto
from engage.models import AuditEvent, StaffTotp
from engage.services import totp, users
from engage.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_staff

KEY = "test-secret-key-not-for-production"


def _enable(db, user) -> str:  # type: ignore[no-untyped-def]
    setup = totp.pending_setup(db, user.id, KEY, start=True)
    assert setup is not None
    totp.confirm_setup(db, user.id, KEY, pyotp.TOTP(setup.secret).at(totp._now()))
    return setup.secret


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    now = [1_800_000_000.0]
    monkeypatch.setattr(totp, "_now", lambda: now[0])
    return now


def _code(secret: str, at: float) -> str:
    return pyotp.TOTP(secret).at(at)


def test_setup_is_stored_encrypted_and_stable_until_confirmed(db):
    user = make_staff(db)
    assert totp.pending_setup(db, user.id, KEY) is None  # nothing started
    first = totp.pending_setup(db, user.id, KEY, start=True)
    again = totp.pending_setup(db, user.id, KEY)
    assert first == again and first.uri.startswith("otpauth://totp/")
    assert "issuer=Northbridge%20Engage" in first.uri
    stored = db.scalars(select(StaffTotp.secret)).one()
    assert first.secret not in stored and crypto.unseal(KEY, totp.PURPOSE, stored) == first.secret
    assert not totp.is_enabled(db, user.id)
    assert totp.qr_svg_data_uri(first.uri).startswith("data:image/svg+xml")


def test_confirm_needs_the_current_code(db, clock):
    user = make_staff(db)
    setup = totp.pending_setup(db, user.id, KEY, start=True)
    with pytest.raises(ValidationFailed):
        totp.confirm_setup(db, user.id, KEY, "12345")  # not 6 digits
    with pytest.raises(ValidationFailed):
        totp.confirm_setup(db, user.id, KEY, _code(setup.secret, clock[0] - 300))  # too old
    assert not totp.is_enabled(db, user.id)
    totp.confirm_setup(
        db, user.id, KEY, " " + _code(setup.secret, clock[0] - 30)[:3] + " " + _code(setup.secret, clock[0] - 30)[3:]
    )
    assert totp.is_enabled(db, user.id)
    with pytest.raises(Conflict):
        totp.pending_setup(db, user.id, KEY, start=True)
    with pytest.raises(Conflict):
        totp.confirm_setup(db, user.id, KEY, "123456")
    assert db.scalars(select(AuditEvent.action)).all() == ["staff.totp_enabled"]


def test_a_code_is_accepted_once(db, clock):
    user = make_staff(db)
    setup = totp.pending_setup(db, user.id, KEY, start=True)
    totp.confirm_setup(db, user.id, KEY, _code(setup.secret, clock[0]))
    # The code used to confirm cannot sign in, nor can an older one.
    assert not totp.verify_sign_in(db, user.id, KEY, _code(setup.secret, clock[0]))
    assert not totp.verify_sign_in(db, user.id, KEY, _code(setup.secret, clock[0] - 30))
    clock[0] += 30
    code = _code(setup.secret, clock[0])
    assert totp.verify_sign_in(db, user.id, KEY, code)
    assert not totp.verify_sign_in(db, user.id, KEY, code)
    assert totp.verify_sign_in(db, user.id, KEY, _code(setup.secret, clock[0] + 30))  # a fast clock


def test_sign_in_fails_without_totp_or_with_another_key(db, clock):
    user = make_staff(db)
    assert not totp.verify_sign_in(db, user.id, KEY, "123456")
    secret = _enable(db, user)
    clock[0] += 60
    assert not totp.verify_sign_in(db, user.id, "another key", _code(secret, clock[0]))


def test_disable_needs_a_current_code(db, clock):
    user = make_staff(db)
    secret = _enable(db, user)
    clock[0] += 60
    with pytest.raises(ValidationFailed):
        totp.disable(db, user.id, KEY, "000000" if _code(secret, clock[0]) != "000000" else "111111")
    assert totp.is_enabled(db, user.id)
    totp.disable(db, user.id, KEY, _code(secret, clock[0]))
    assert not totp.is_enabled(db, user.id)
    assert db.scalars(select(StaffTotp)).all() == []
    with pytest.raises(Conflict):
        totp.disable(db, user.id, KEY, "123456")
    assert db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
        "staff.totp_enabled",
        "staff.totp_disabled",
    ]


def test_unreadable_pending_secret_is_replaced(db):
    user = make_staff(db)
    first = totp.pending_setup(db, user.id, KEY, start=True)
    assert totp.pending_setup(db, user.id, "rotated key") is None
    second = totp.pending_setup(db, user.id, "rotated key", start=True)
    assert second.secret != first.secret


def test_reset(db):
    user = make_staff(db)
    _enable(db, user)
    assert totp.reset(db, user.email.upper())
    assert not totp.is_enabled(db, user.id)
    assert not totp.reset(db, user.email)
    with pytest.raises(NotFound):
        totp.reset(db, "nobody@example.org")


def test_sign_in_steps(db, clock):
    from tests.conftest import TEST_PASSWORD

    user = make_staff(db)
    assert users.sign_in_first_step(db, user.email, "wrong") is None
    assert users.sign_in_first_step(db, user.email, TEST_PASSWORD).needs_code is False
    secret = _enable(db, user)
    checked = users.sign_in_first_step(db, user.email, TEST_PASSWORD)
    assert checked.needs_code and checked.user_id == user.id
    logins = db.scalars(select(AuditEvent).where(AuditEvent.action == "staff.login")).all()
    assert len(logins) == 1  # the password step alone records no sign in
    clock[0] += 60
    assert users.sign_in_second_step(db, user.id, KEY, _code(secret, clock[0]))
    user.is_active = False
    db.commit()
    clock[0] += 60
    assert not users.sign_in_second_step(db, user.id, KEY, _code(secret, clock[0]))
