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
    working = app.state.sessions
    app.state.sessions = _Unavailable()
    for path in ("/", f"/consultations/{c.slug}", "/staff"):
        r = client.get(path)
        assert r.status_code == 503, path
        assert "Sorry, the service is unavailable" in r.text and r.headers["retry-after"] == "30"
        assert "database is down" not in r.text
    app.state.sessions = working
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
