"""Passwords, staff sessions and role checks."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Awaitable, Callable, Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from engage.models import Role

_hasher = PasswordHasher()
# Verifying against a real hash when the email is unknown keeps login time the same
# whether or not an account exists.
_DUMMY_HASH = _hasher.hash("engage-timing-equaliser")

MIN_PASSWORD_LENGTH = 12

STAFF_ROLES = frozenset(Role)
MANAGERS = frozenset({Role.ADMIN, Role.OFFICER})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    from zxcvbn import zxcvbn  # its frequency lists include the common-password lists

    hints = [p for p in email.replace("@", " ").replace(".", " ").split() if p]
    if zxcvbn(password[:100], user_inputs=hints)["score"] < 3:
        return "Choose a password that is harder to guess, for example 3 or 4 random words"
    return None


View = Callable[[Request], Awaitable[Response]]


def requires_role(roles: Iterable[Role]) -> Callable[[View], View]:
    """Staff views: anonymous visitors go to the login page, wrong roles get 403."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @functools.wraps(view)
        async def wrapper(request: Request) -> Response:
            staff = request.scope.get("staff")
            if staff is None:
                return RedirectResponse(request.url_for("login"), status_code=303)
            if staff.role not in allowed:
                raise HTTPException(403, "You do not have permission to do that")
            return await view(request)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorator


def client_address(request: Request) -> str:
    """Who the rate limits count: the peer address, or the client that a proxy named in
    ENGAGE_TRUSTED_PROXIES forwarded for (`engage serve` passes only those to uvicorn). An IPv6
    address counts as its /64 network: one household or phone is given a whole /64 and could
    otherwise take a fresh address for every request."""
    host = request.client.host if request.client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)
