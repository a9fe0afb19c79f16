from __future__ import annotations

from sqlalchemy import select

from engage.models import AuditEvent
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
