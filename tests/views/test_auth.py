from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from engage.models import AuditEvent
from engage.services import totp as totp_service
from tests.conftest import TEST_PASSWORD, form_post
from tests.factories import make_staff


def test_login_and_logout(client, db, sessions):
    user = make_staff(db, role="officer")
    r = form_post(client, "/staff/login", "/staff/login", {"email": user.email.upper(), "password": TEST_PASSWORD})
    assert r.status_code == 200 and "Signed in as" in r.text
    assert client.get("/staff").status_code == 200
    r = form_post(client, "/staff", "/staff/logout", {})
    assert "Have your say" in r.text
    assert "/staff/login" in str(client.get("/staff").url)
    with sessions() as s:
        assert "staff.login" in s.scalars(select(AuditEvent.action)).all()


def test_wrong_password_is_refused_without_saying_which_part(client, db):
    user = make_staff(db)
    r = form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": "wrong password"})
    assert r.status_code == 400
    assert "Enter a correct email address and password" in r.text
    r = form_post(client, "/staff/login", "/staff/login", {"email": "nobody@example.org", "password": "wrong password"})
    assert "Enter a correct email address and password" in r.text


def test_empty_login_shows_error_summary(client):
    r = form_post(client, "/staff/login", "/staff/login", {"email": "", "password": ""})
    assert 'href="#email"' in r.text and 'href="#password"' in r.text


def test_inactive_account_cannot_sign_in(client, db):
    user = make_staff(db, is_active=False)
    r = form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
    assert r.status_code == 400


def test_login_needs_csrf_even_without_cookies(client):
    r = client.post("/staff/login", data={"email": "a@b.c", "password": "x"})
    assert r.status_code == 403


def test_password_is_stored_as_argon2(db):
    user = make_staff(db)
    assert user.password_hash.startswith("$argon2id$")


def test_session_cookie_is_httponly_and_lax(client, db):
    user = make_staff(db)
    r = form_post(
        client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD}, follow_redirects=False
    )
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_repeated_wrong_passwords_are_throttled_per_account(client, db):
    user = make_staff(db)
    for _ in range(5):
        r = form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": "not the password"})
        assert r.status_code == 400
    r = form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
    assert r.status_code == 429 and "Too many attempts" in r.text
    other = make_staff(db)
    r = form_post(client, "/staff/login", "/staff/login", {"email": other.email, "password": TEST_PASSWORD})
    assert r.status_code == 200  # another account is not locked out


def test_idle_and_absolute_session_timeouts(client, db, monkeypatch):
    import engage.middleware as mw

    user = make_staff(db)
    now = [1_000_000.0]
    monkeypatch.setattr(mw.time, "time", lambda: now[0])
    form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
    for _ in range(20):  # active every 25 minutes: the idle timeout never fires...
        now[0] += 25 * 60
        r = client.get("/staff", follow_redirects=False)
        if r.status_code != 200:
            break
    # ...but the absolute timeout does, after 8 hours.
    assert r.status_code == 303 and 8 * 3600 < now[0] - 1_000_000.0 <= 8 * 3600 + 25 * 60

    form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
    now[0] += 31 * 60
    assert client.get("/staff", follow_redirects=False).status_code == 303  # idle for 31 minutes


# ---- Two-step verification (TOTP) ------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    now = [1_800_000_000.0]
    monkeypatch.setattr(totp_service, "_now", lambda: now[0])
    return now


def _set_up_via_pages(client, clock) -> str:  # type: ignore[no-untyped-def]
    import re

    r = client.get("/staff/account")
    assert r.status_code == 200 and "Off" in r.text
    r = form_post(client, "/staff/account", "/staff/account/two-step", {})
    assert r.status_code == 200 and str(r.url).endswith("/staff/account/two-step")
    assert 'src="data:image/svg+xml' in r.text and "otpauth://totp/" in r.text
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', r.text).group(1).replace(" ", "")
    r = form_post(client, "/staff/account/two-step", "/staff/account/two-step", {"code": "abc"})
    assert r.status_code == 400 and 'href="#code"' in r.text
    r = form_post(
        client, "/staff/account/two-step", "/staff/account/two-step", {"code": pyotp.TOTP(secret).at(clock[0])}
    )
    assert r.status_code == 200 and "Two-step verification is on" in r.text
    return secret


def test_set_up_sign_in_with_code_and_turn_off(client, db, sessions, login, clock):
    user = login("moderator")
    secret = _set_up_via_pages(client, clock)
    form_post(client, "/staff", "/staff/logout", {})

    # The password alone only half signs in: no staff pages yet.
    r = form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
    assert r.status_code == 200 and str(r.url).endswith("/staff/login/code")
    assert "Enter the code from your authenticator app" in r.text
    assert "/staff/login" in str(client.get("/staff").url)
    assert client.get("/staff/account", follow_redirects=False).status_code == 303

    r = form_post(client, "/staff/login/code", "/staff/login/code", {"code": ""})
    assert r.status_code == 400 and 'href="#code"' in r.text
    r = form_post(client, "/staff/login/code", "/staff/login/code", {"code": "12"})
    assert r.status_code == 400 and "6-digit code" in r.text
    used = pyotp.TOTP(secret).at(clock[0])  # used to turn it on: cannot be used again
    r = form_post(client, "/staff/login/code", "/staff/login/code", {"code": used})
    assert r.status_code == 400 and "not correct" in r.text
    clock[0] += 30
    r = form_post(client, "/staff/login/code", "/staff/login/code", {"code": pyotp.TOTP(secret).at(clock[0])})
    assert r.status_code == 200 and "Signed in as" in r.text
    assert client.get("/staff/login/code", follow_redirects=False).status_code == 303  # nothing pending now

    r = client.get("/staff/account")
    assert "Turn off two-step verification" in r.text
    r = form_post(client, "/staff/account", "/staff/account/two-step/off", {"code": pyotp.TOTP(secret).at(clock[0])})
    assert r.status_code == 400 and "not correct" in r.text  # that code signed in
    clock[0] += 30
    r = form_post(client, "/staff/account", "/staff/account/two-step/off", {"code": pyotp.TOTP(secret).at(clock[0])})
    assert r.status_code == 200 and "Two-step verification is off" in r.text
    with sessions() as s:
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["staff.login", "staff.totp_enabled", "staff.login", "staff.totp_disabled"]

    form_post(client, "/staff", "/staff/logout", {})
    r = form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
    assert "Signed in as" in r.text  # password alone again


def test_code_page_without_a_password_goes_to_sign_in(client):
    assert client.get("/staff/login/code", follow_redirects=False).headers["location"].endswith("/staff/login")
    r = form_post(client, "/staff/login", "/staff/login/code", {"code": "123456"}, follow_redirects=False)
    assert r.status_code == 303


def test_half_signed_in_state_expires(client, db, login, clock, monkeypatch):
    import engage.views.auth as auth_views

    user = login()
    _set_up_via_pages(client, clock)
    form_post(client, "/staff", "/staff/logout", {})
    form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
    real = auth_views.time.time
    monkeypatch.setattr(auth_views.time, "time", lambda: real() + 6 * 60)
    assert client.get("/staff/login/code", follow_redirects=False).status_code == 303


def test_wrong_codes_are_throttled(client, db, login, clock):
    user = login()
    secret = _set_up_via_pages(client, clock)
    form_post(client, "/staff", "/staff/logout", {})
    form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
    wrong = "000000" if pyotp.TOTP(secret).at(clock[0] + 60) != "000000" else "111111"
    for _ in range(5):
        assert form_post(client, "/staff/login/code", "/staff/login/code", {"code": wrong}).status_code == 400
    clock[0] += 60
    r = form_post(client, "/staff/login/code", "/staff/login/code", {"code": pyotp.TOTP(secret).at(clock[0])})
    assert r.status_code == 429 and "Too many attempts" in r.text


def test_setup_pages_redirect_when_nothing_to_show(client, db, login, clock):
    login("coalition_member")
    assert client.get("/staff/account/two-step", follow_redirects=False).status_code == 303  # not started
    r = form_post(client, "/staff/account", "/staff/account/two-step", {"code": "123456"}, follow_redirects=False)
    assert r.status_code == 303  # nothing to confirm
    r = form_post(client, "/staff/account", "/staff/account/two-step/off", {"code": "123456"}, follow_redirects=False)
    assert r.status_code == 303  # nothing to turn off
    _set_up_via_pages(client, clock)
    assert client.get("/staff/account/two-step", follow_redirects=False).status_code == 303  # already on
    r = form_post(client, "/staff/account", "/staff/account/two-step", {}, follow_redirects=False)
    assert r.status_code == 303


@pytest.mark.parametrize("role", ["admin", "officer", "moderator", "coalition_member", "safeguarding_lead"])
def test_every_role_has_an_account_page(client, login, role):
    login(role)
    r = client.get("/staff/account")
    assert r.status_code == 200 and "Two-step verification" in r.text


def test_account_pages_need_sign_in(client):
    assert client.get("/staff/account", follow_redirects=False).status_code == 303
    assert client.get("/staff/account/two-step", follow_redirects=False).status_code == 303


def test_code_step_needs_csrf_even_without_cookies(client):
    assert client.post("/staff/login/code", data={"code": "123456"}).status_code == 403
