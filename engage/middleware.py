"""ASGI middleware: who is signed in, and security headers on every response."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engage.models import Role, StaffUser


@dataclass(frozen=True)
class StaffIdentity:
    id: int
    email: str
    display_name: str
    role: Role

    @property
    def can_manage(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICER)


class StaffMiddleware:
    """Puts the signed-in staff member (or None) in scope["staff"].

    The session cookie is signed, but a copy of it must not outlive a sign out: it carries a stamp
    made from the account's session epoch (raised at every sign out), role and password hash, and
    the stamp is checked against the database on every request. Signing out, a new password, a
    new role or deactivation therefore ends every copy of every session of that account at once
    (ADR 0009).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["staff"] = None
            session = scope.get("session", {})
            staff_id, stamp = session.get("staff_id"), session.get("stamp")
            if isinstance(staff_id, int) and isinstance(stamp, str) and _session_current(session):
                state = scope["app"].state
                sessions = getattr(state, "read_sessions", state.sessions)
                secret = state.settings.secret_key
                try:
                    scope["staff"] = await run_in_threadpool(_load_staff, sessions, staff_id, stamp, secret)
                except OperationalError as exc:
                    from engage.app import database_down

                    response = await database_down(Request(scope), exc)
                    await response(scope, receive, send)
                    return
                if scope["staff"] is None:
                    session.clear()  # revoked: this copy of the cookie is done with
            elif "staff_id" in session:
                session.clear()
        await self.app(scope, receive, send)


IDLE_TIMEOUT = 30 * 60  # signed out after 30 minutes without a request
ABSOLUTE_TIMEOUT = 8 * 60 * 60  # and after a working day, however active


def start_staff_session(session: dict[str, object], staff_id: int, stamp: str) -> None:
    """A fresh session at sign in: nothing from before carries over (no fixation)."""
    session.clear()
    now = int(time.time())
    session.update({"staff_id": staff_id, "stamp": stamp, "signed_in_at": now, "seen_at": now})


def _session_current(session: dict[str, object]) -> bool:
    now = int(time.time())
    signed_in, seen = session.get("signed_in_at"), session.get("seen_at")
    if not isinstance(signed_in, int) or not isinstance(seen, int):
        session.clear()
        return False
    if now - seen > IDLE_TIMEOUT or now - signed_in > ABSOLUTE_TIMEOUT:
        session.clear()
        return False
    if now - seen > 60:  # rewrite the cookie at most once a minute
        session["seen_at"] = now
    return True


def session_stamp(secret: str, user: StaffUser) -> str:
    """Changes whenever the account's sessions must end: sign out (the epoch), role, password."""
    material = f"{user.id}:{user.session_epoch}:{user.role.value}:{user.password_hash}"
    return hmac.new(secret.encode(), material.encode(), hashlib.sha256).hexdigest()[:32]


def _load_staff(sessions, staff_id: int, stamp: str, secret: str) -> StaffIdentity | None:  # type: ignore[no-untyped-def]
    with sessions() as db:
        user = db.scalars(select(StaffUser).where(StaffUser.id == staff_id, StaffUser.is_active.is_(True))).first()
        if user is None or not hmac.compare_digest(session_stamp(secret, user), stamp):
            return None
        return StaffIdentity(user.id, user.email, user.display_name, user.role)


def current_stamp(sessions, staff_id: int, secret: str) -> str:  # type: ignore[no-untyped-def]
    """The stamp a session started now gets (at sign in)."""
    with sessions() as db:
        user = db.get(StaffUser, staff_id)
        assert user is not None, "signing in an account that exists"
        return session_stamp(secret, user)


def end_sessions(sessions, staff_id: int) -> None:  # type: ignore[no-untyped-def]
    """Sign out everywhere: every cookie issued to this account so far stops working."""
    with sessions() as db:
        db.execute(update(StaffUser).where(StaffUser.id == staff_id).values(session_epoch=StaffUser.session_epoch + 1))
        db.commit()


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                # Pages can show what a resident typed (check your answers, about you, keep in touch)
                # or staff data: no copy is kept by the browser or anything in between, so the
                # next person on a shared device finds nothing in the history. Static files aside.
                if not scope["path"].startswith("/static/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


MAX_FORM_BYTES = 1024 * 1024  # far more than any answer needs (10,000 characters each)
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # officers' spreadsheet imports (multipart)


class BodyLimitMiddleware:
    """Refuse over-large request bodies with 413 before anything reads them."""

    def __init__(
        self,
        app: ASGIApp,
        form_limit: int = MAX_FORM_BYTES,
        upload_limit: int = MAX_UPLOAD_BYTES,
        upload_paths: Callable[[str], bool] = lambda path: True,
    ) -> None:
        self.app = app
        self.form_limit = form_limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths  # only these may send a spreadsheet's worth of multipart

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.upload_limit if multipart and self.upload_paths(scope["path"]) else self.form_limit
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            await _too_large(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # a chunked body that lied by omission
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await _too_large(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    from starlette.responses import HTMLResponse

    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>That was too much to send</title></head>'
        "<body><h1>That was too much to send</h1><p>Shorten your answers, or send a smaller file, and try again.</p>"
        "</body></html>"
    )
    await HTMLResponse(body, status_code=413)(scope, receive, send)


access_log = logging.getLogger("engage.access")

# Control characters (a URL's %0d%0a decodes to a line break), the line and paragraph separators and
# the bidirectional overrides: escaped, so one request is one honest line in the log.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]")
MAX_LOGGED_PATH = 300


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\\":
        return "\\\\"  # so that an escape in the log cannot be forged either
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    return _CONTROL.sub(_escape, text[:MAX_LOGGED_PATH])


class AccessLogMiddleware:
    """One line per request: method, path, status, time. No client address and no query string
    (searches can hold names): the access log carries no personal data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            access_log.info(
                "%s %s %s %.0fms",
                printable(scope["method"]),
                printable(scope["path"]),
                status,
                1000 * (time.perf_counter() - started),
            )


class FormEncodingMiddleware:
    """A urlencoded POST body that is not UTF-8 gets 400, whether or not the CSRF check
    (engage.csrf) reads it: the views decode forms as UTF-8. Only malformed clients send one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        if scope["type"] != "http" or not headers.get(b"content-type", b"").startswith(
            b"application/x-www-form-urlencoded"
        ):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:  # the body limit outside this keeps it small
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            from starlette.responses import PlainTextResponse

            await PlainTextResponse("The form could not be read: it was not UTF-8 text.", status_code=400)(
                scope, receive, send
            )
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
