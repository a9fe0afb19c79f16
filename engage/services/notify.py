"""Email to respondents who asked to hear when results are published.

Sent through the council's own SMTP server (ENGAGE_SMTP_HOST/PORT/FROM). Each contact is emailed
at most once (notified_at); a failure is logged and retried the next time results are published
or `send_published` runs. The audit log records counts, never addresses.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.models import Consultation, Response, ResponseContact, Status, utcnow
from engage.services import audit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int


def _message(sender: str, to: str, consultation: Consultation, base_url: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = f"Results published: {consultation.title}"
    msg.set_content(
        f"Thank you for taking part in “{consultation.title}”.\n\n"
        "The council has published what people said and what it will do about it:\n"
        f"{base_url}/consultations/{consultation.slug}/results\n\n"
        f"You can follow every commitment the council has made at {base_url}/commitments\n\n"
        "You are getting this email because you asked to hear when the results were published. "
        "We will not email you about this consultation again.\n"
    )
    return msg


def send_published(db: Session, consultation_id: int, smtp: SmtpConfig, base_url: str) -> SendReport:
    c = db.get(Consultation, consultation_id)
    if c is None or c.status != Status.PUBLISHED or not smtp.enabled:
        return SendReport(0, 0)
    contacts = db.scalars(
        select(ResponseContact)
        .join(Response, Response.id == ResponseContact.response_id)
        .where(
            Response.consultation_id == consultation_id,
            ResponseContact.notify_on_publish.is_(True),
            ResponseContact.notified_at.is_(None),
        )
        .order_by(ResponseContact.id)
    ).all()
    if not contacts:
        return SendReport(0, 0)
    sent = failed = 0
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
            for contact in contacts:
                try:
                    server.send_message(_message(smtp.sender, contact.email, c, base_url))
                except smtplib.SMTPException:
                    log.warning("could not email a respondent about consultation %s", consultation_id)
                    failed += 1
                    continue
                contact.notified_at = utcnow()
                sent += 1
                db.commit()  # one at a time: a crash never sends the same email twice
    except (OSError, smtplib.SMTPException) as exc:
        log.error("SMTP server unavailable for results emails: %s", type(exc).__name__)
        failed = len(contacts) - sent
    audit.record(db, None, "notify.results_published", "consultation", consultation_id, sent=sent, failed=failed)
    db.commit()
    return SendReport(sent, failed)


def send(smtp: SmtpConfig, to: str, subject: str, body: str) -> bool:
    """One plain-text email to one person. True if it was sent; a failure is logged without the address."""
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
            server.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("email not sent: %s", type(exc).__name__)
        return False
    return True


def send_support_confirmation(smtp: SmtpConfig, to: str, proposal_title: str, link: str) -> bool:
    """Ask someone to confirm a support they gave with their email address. True if it was sent."""
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = to
    msg["Subject"] = f"Confirm your support: {proposal_title}"
    msg.set_content(
        f"Someone (we hope you) said they support “{proposal_title}” and gave this email address.\n\n"
        f"To confirm, open this link and press “Confirm my support”:\n{link}\n\n"
        "The link works for 2 days. If this was not you, ignore this email: nothing is counted.\n"
        "We do not keep your email address, only a scrambled version to count your support once.\n"
    )
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
            server.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("support confirmation email not sent: %s", type(exc).__name__)
        return False
    return True
