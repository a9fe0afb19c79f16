"""Whole-app behaviour: the database going away and coming back, big bodies, headers."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from tests.conftest import TEST_PASSWORD, form_post
from tests.factories import make_consultation, make_staff


class _Unavailable:
    def __call__(self):  # type: ignore[no-untyped-def]
        raise OperationalError("connect", {}, ConnectionRefusedError("database is down"))


def test_database_down_gives_503_then_recovers(client, app, db):
    c = make_consultation(db)
    user = make_staff(db)
    form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
    working, reading = app.state.sessions, app.state.read_sessions
    app.state.sessions = app.state.read_sessions = _Unavailable()
    for path in ("/", f"/consultations/{c.slug}", "/staff"):
        r = client.get(path)
        assert r.status_code == 503, path
        assert "Sorry, the service is unavailable" in r.text and r.headers["retry-after"] == "30"
        assert "database is down" not in r.text
    app.state.sessions, app.state.read_sessions = working, reading
    assert client.get("/").status_code == 200
    assert client.get("/staff").status_code == 200


def test_unknown_page_is_a_404_page(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "Page not found" in r.text


def test_oversized_body_gets_413(client, db):
    c = make_consultation(db)
    r = client.post(
        f"/consultations/{c.slug}/respond",
        content=b"a=" + b"x" * (1024 * 1024 + 10),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413 and "too much to send" in r.text


def test_access_log_has_no_address_or_query(client, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="engage.access"):
        client.get("/?lang=en&q=Adebayo+Okafor")
    lines = [r.getMessage() for r in caplog.records if r.name == "engage.access"]
    assert lines and lines[-1].startswith("GET / 200")
    assert "Adebayo" not in caplog.text and "testclient" not in caplog.text


def test_get_requests_read_without_the_write_lock(app, client, db, sessions):
    """On SQLite a page view must not wait for a writer: GETs begin DEFERRED."""
    c = make_consultation(db)
    if not app.state.settings.database_url.startswith("sqlite"):
        assert client.get(f"/consultations/{c.slug}").status_code == 200
        return
    from sqlalchemy import text

    with sessions() as writer:  # holds the write lock (BEGIN IMMEDIATE) until it ends
        writer.execute(text("SELECT 1"))
        r = client.get(f"/consultations/{c.slug}")
        assert r.status_code == 200 and c.title in r.text
