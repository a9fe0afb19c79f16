"""Results emails through a real SMTP server (aiosmtpd on a local port)."""

from __future__ import annotations

from sqlalchemy import select

from engage.models import AuditEvent, ResponseContact
from engage.services import notify
from tests.conftest import form_post
from tests.factories import make_comments, make_consultation, make_response, make_theme
from tests.smtpserver import _free_port


def _contacts(db, c):  # type: ignore[no-untyped-def]
    wants = make_response(db, c, {c.questions[1].id: "Rename it"})
    quiet = make_response(db, c, {c.questions[1].id: "Keep it"})
    db.add(ResponseContact(response_id=wants.id, email="amina@example.org", notify_on_publish=True))
    db.add(ResponseContact(response_id=quiet.id, email="no-thanks@example.org", notify_on_publish=False))
    db.commit()


def test_opted_in_respondents_get_one_email(db, smtp):
    inbox, config = smtp
    c = make_consultation(db, status="published")
    _contacts(db, c)
    report = notify.send_published(db, c.id, config, "https://engage.northbridge.example")
    assert report == notify.SendReport(1, 0)
    [(to, body)] = inbox.messages
    assert to == ["amina@example.org"]
    assert f"https://engage.northbridge.example/consultations/{c.slug}/results" in body
    assert notify.send_published(db, c.id, config, "https://x") == notify.SendReport(0, 0)  # never twice
    assert len(inbox.messages) == 1
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "notify.results_published")).one()
    assert event.detail == {"sent": 1, "failed": 0} and "amina" not in str(event.detail)


def test_nothing_is_sent_before_publication_or_without_a_server(db, smtp):
    inbox, config = smtp
    c = make_consultation(db, status="closed")
    _contacts(db, c)
    assert notify.send_published(db, c.id, config, "https://x") == notify.SendReport(0, 0)
    assert notify.send_published(db, c.id, notify.SmtpConfig("", 25, ""), "https://x") == notify.SendReport(0, 0)
    assert inbox.messages == []


def test_an_unreachable_server_is_retried_later(db, smtp):
    _inbox, config = smtp
    c = make_consultation(db, status="published")
    _contacts(db, c)
    down = notify.SmtpConfig("127.0.0.1", _free_port(), "engage@northbridge.example")
    assert notify.send_published(db, c.id, down, "https://x") == notify.SendReport(0, 1)
    assert notify.send_published(db, c.id, config, "https://x") == notify.SendReport(1, 0)


def test_publishing_sends_the_emails(client, app, db, login, smtp, settings):
    inbox, config = smtp
    # The app was built from this (frozen) settings object; point it at the test SMTP server.
    object.__setattr__(settings, "smtp_host", config.host)
    object.__setattr__(settings, "smtp_port", config.port)
    object.__setattr__(settings, "smtp_from", config.sender)
    c = make_consultation(db, status="closed")
    _contacts(db, c)
    answers = make_comments(db, c, ["Rename Beckwith Road"])
    theme = make_theme(db, c.questions[1], answers=answers)
    login()
    page = f"/staff/consultations/{c.id}/publish"
    r = form_post(client, page, page, {"action": "publish", f"response-{theme.id}": "We will."})
    assert "Results published" in r.text
    assert [to for to, _ in inbox.messages] == [["amina@example.org"]]
