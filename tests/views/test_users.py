"""Administrators manage staff in the browser: add (with a set-up link shown once), change role,
deactivate and reactivate, reset a password or two-step verification; all audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from engage.models import AuditEvent, StaffTotp, StaffUser, utcnow
from tests.conftest import TEST_PASSWORD, csrf_from, form_post
from tests.factories import make_staff
from tests.pagecheck import check_response

NEW_PASSWORD = "lantern orchard pebble violin"


def _link(html: str) -> str:
    """The set-up link on the page that shows it once (as a path)."""
    found = re.search(r'value="http://testserver(/staff/set-up\?token=[^"]+)" data-testid="set-up-link"', html)
    assert found, html[:2000]
    return found.group(1).replace("&amp;", "&")


def _sign_in(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return form_post(client, "/staff/login", "/staff/login", {"email": email, "password": password})


def _actions(sessions, user_id: int) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    with sessions() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.detail)
            .where(AuditEvent.target_type == "staff_user", AuditEvent.target_id == user_id)
            .order_by(AuditEvent.id)
        ).all()
    return [(a, d) for a, d in rows if a != "staff.login"]


@pytest.fixture
def other_client(app):  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver") as c:
        c.event_hooks["response"].append(check_response)
        yield c


def test_add_a_member_of_staff_who_sets_their_own_password(client, other_client, db, login, sessions):
    admin = login("admin")
    assert 'href="/staff/users"' in client.get("/staff").text
    r = form_post(
        client,
        "/staff/users/new",
        "/staff/users/new",
        {"email": "Priya.Shah@Northbridge.example", "display_name": "Priya Shah", "role": "officer"},
    )
    assert r.status_code == 200 and "Account added" in r.text and "only time the link is shown" in r.text
    link = _link(r.text)
    with sessions() as s:
        user = s.scalars(select(StaffUser).where(StaffUser.email == "priya.shah@northbridge.example")).one()
    assert _actions(sessions, user.id) == [("staff.invited", {"role": "officer"})]
    with sessions() as s:
        assert s.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "staff.invited")) == admin.id
    assert "Priya Shah" in client.get("/staff/users").text

    # Their side, in their own browser: no password works until they choose one.
    page = other_client.get(link)
    assert page.status_code == 200 and "Set up your account" in page.text and user.email in page.text
    token = link.split("token=")[1]
    mismatch = form_post(
        other_client, link, "/staff/set-up", {"token": token, "password": NEW_PASSWORD, "confirm": "something else"}
    )
    assert mismatch.status_code == 400 and "The passwords do not match" in mismatch.text
    weak = form_post(
        other_client, link, "/staff/set-up", {"token": token, "password": "password1234", "confirm": "password1234"}
    )
    assert weak.status_code == 400 and 'href="#password"' in weak.text
    done = form_post(
        other_client, link, "/staff/set-up", {"token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 200 and "Your password is set" in done.text
    assert "This link does not work" in other_client.get(link).text  # once only
    assert "Signed in as Priya Shah" in _sign_in(other_client, user.email, NEW_PASSWORD).text
    assert [a for a, _ in _actions(sessions, user.id)] == ["staff.invited", "staff.password_set"]


def test_adding_checks_the_details(client, db, login, sessions):
    login("admin")
    existing = make_staff(db)
    r = form_post(client, "/staff/users/new", "/staff/users/new", {"email": existing.email.upper(), "role": "officer"})
    assert r.status_code == 400 and "already exists" in r.text
    r = form_post(client, "/staff/users/new", "/staff/users/new", {"email": "not an email"})
    assert r.status_code == 400 and 'href="#email"' in r.text and 'href="#role-0"' in r.text
    assert "This link does not work" in client.get("/staff/set-up?token=forged").text


def test_change_role_takes_effect_at_once_and_is_audited(client, other_client, db, login, sessions):
    officer = make_staff(db, role="officer")
    assert "Consultations" in _sign_in(other_client, officer.email, TEST_PASSWORD).text
    assert other_client.get("/staff/consultations/new").status_code == 200
    login("admin")
    page = f"/staff/users/{officer.id}"
    r = form_post(client, page, f"{page}/role", {"role": "coalition_member"})
    assert "role is now Coalition member" in r.text and 'data-testid="role">Coalition member' in r.text
    # A role change ends the person's sessions on the server (ADR 0011): they sign in again.
    after = other_client.get("/staff/consultations/new")
    assert after.status_code in (401, 403) or after.url.path == "/staff/login"
    assert _actions(sessions, officer.id) == [
        ("staff.role_changed", {"before": "officer", "after": "coalition_member"})
    ]
    bad = form_post(client, page, f"{page}/role", {"role": "superuser"})
    assert bad.status_code == 400


def test_deactivate_signs_them_out_and_reactivate_lets_them_back(client, other_client, db, login, sessions):
    moderator = make_staff(db, role="moderator")
    _sign_in(other_client, moderator.email, TEST_PASSWORD)
    assert other_client.get("/staff/moderation").status_code == 200
    login("admin")
    page = f"/staff/users/{moderator.id}"
    r = form_post(client, page, f"{page}/deactivate", {})
    assert "can no longer sign in" in r.text and "Deactivated" in r.text
    assert other_client.get("/staff/moderation").url.path == "/staff/login"
    assert _sign_in(other_client, moderator.email, TEST_PASSWORD).status_code == 400
    r = form_post(client, page, f"{page}/reactivate", {})
    assert "can sign in again" in r.text
    assert "Signed in as" in _sign_in(other_client, moderator.email, TEST_PASSWORD).text
    assert [a for a, _ in _actions(sessions, moderator.id)] == ["staff.deactivated", "staff.reactivated"]


def test_reset_two_step_verification(client, db, login, sessions):
    officer = make_staff(db)
    db.add(StaffTotp(staff_user_id=officer.id, secret="sealed", enabled_at=utcnow()))
    db.commit()
    login("admin")
    page = f"/staff/users/{officer.id}"
    assert "Reset two-step verification" in client.get(page).text
    r = form_post(client, page, f"{page}/two-step/reset", {})
    assert "Two-step verification is off for" in r.text and "Reset two-step verification" not in r.text
    with sessions() as s:
        assert s.scalars(select(StaffTotp)).all() == []
    again = form_post(client, page, f"{page}/two-step/reset", {})
    assert again.status_code == 409 and "not turned on" in again.text
    assert [a for a, _ in _actions(sessions, officer.id)] == ["staff.totp_reset"]


def test_reset_password_gives_a_new_link_and_the_old_password_stops(client, other_client, db, login, sessions):
    officer = make_staff(db)
    login("admin")
    page = f"/staff/users/{officer.id}"
    first = _link(form_post(client, page, f"{page}/password/reset", {}).text)
    second = _link(form_post(client, page, f"{page}/password/reset", {}).text)
    assert _sign_in(other_client, officer.email, TEST_PASSWORD).status_code == 400
    assert "This link does not work" in other_client.get(first).text  # a newer link replaces it
    token = second.split("token=")[1]
    form_post(
        other_client, second, "/staff/set-up", {"token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert "Signed in as" in _sign_in(other_client, officer.email, NEW_PASSWORD).text
    assert [a for a, _ in _actions(sessions, officer.id)] == [
        "staff.password_reset",
        "staff.password_reset",
        "staff.password_set",
    ]


def test_an_admin_cannot_lock_themselves_or_everyone_out(client, db, login, sessions):
    admin = login("admin")
    page = f"/staff/users/{admin.id}"
    mine = client.get(page)
    assert "This is your own account" in mine.text and "Deactivate account" not in mine.text
    token = csrf_from(mine.text)
    r = client.post(f"{page}/deactivate", data={"csrftoken": token})
    assert r.status_code == 409 and "your own account" in r.text
    r = client.post(f"{page}/role", data={"csrftoken": token, "role": "officer"})
    assert r.status_code == 409
    with sessions() as s:
        me = s.get(StaffUser, admin.id)
        assert me.is_active and me.role == "admin"


@pytest.mark.parametrize("role", ["officer", "moderator", "coalition_member", "safeguarding_lead"])
def test_only_administrators_manage_staff(client, db, login, role):
    other = make_staff(db)
    login(role)
    assert 'href="/staff/users"' not in client.get("/staff").text
    assert client.get("/staff/users").status_code == 403
    assert client.get(f"/staff/users/{other.id}").status_code == 403
    token = csrf_from(client.get("/staff").text)
    assert client.post(f"/staff/users/{other.id}/deactivate", data={"csrftoken": token}).status_code == 403
