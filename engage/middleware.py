"""ASGI middleware: who is signed in, and security headers on every response."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
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
    """Puts the signed-in staff member (or None) in scope["staff"]."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["staff"] = None
            staff_id = scope.get("session", {}).get("staff_id")
            if isinstance(staff_id, int):
                sessions = scope["app"].state.sessions
                scope["staff"] = await run_in_threadpool(_load_staff, sessions, staff_id)
        await self.app(scope, receive, send)


def _load_staff(sessions, staff_id: int) -> StaffIdentity | None:  # type: ignore[no-untyped-def]
    with sessions() as db:
        user = db.scalars(select(StaffUser).where(StaffUser.id == staff_id, StaffUser.is_active.is_(True))).first()
        if user is None:
            return None
        return StaffIdentity(user.id, user.email, user.display_name, user.role)


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
                if scope.get("staff") is not None or scope["path"].startswith("/staff"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
