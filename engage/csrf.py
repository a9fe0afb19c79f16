"""Double-submit-cookie CSRF protection for every POST, whatever its content type.

It replaces asgi-csrf 0.11, which parses multipart bodies through a python-multipart internal
(``FileClass``) that python-multipart 0.0.34 removed: every multipart POST with cookies answered
500. The token format, the cookie, the form field and the header are asgi-csrf's, so pages and
cookies issued before the change keep working. Multipart bodies are read with Starlette's own
parser (its public ``MultiPartParser``), the one the views use, and replayed to the app.

See ADR 0004 (CSRF and sessions) and docs/security.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Collection
from http.cookies import CookieError
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartParser
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "csrftoken"
FIELD = "csrftoken"
HEADER = b"x-csrftoken"
NAMESPACE = "csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

Failed = Callable[[Scope, Send, object], Awaitable[None]]


def read_cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies; a Cookie header that is not UTF-8 (or not a cookie header at all)
    reads as Latin-1, as Starlette reads it, and never fails."""
    raw = b"; ".join(v for k, v in scope.get("headers") or [] if k == b"cookie")
    try:
        return cookie_parser(raw.decode("latin-1"))
    except (CookieError, ValueError):
        return {}


class CSRFMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        secret: str,
        on_failure: Failed,
        always_protect: Collection[str] = (),
        cookie_secure: bool = False,
        checked_in_view: Callable[[str], bool] = lambda path: False,
    ) -> None:
        self.app = app
        self.signer = URLSafeSerializer(secret)
        self.on_failure = on_failure
        self.always_protect = frozenset(always_protect)
        self.cookie_secure = cookie_secure
        # File uploads (up to 64 MB): their view checks the token as it streams the form to disk
        # (views.common.read_upload_form), so that no one can make this middleware hold 64 MB in
        # memory. Elsewhere a multipart body (1 MB at most) is read here, and files are refused.
        self.checked_in_view = checked_in_view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = read_cookies(scope)
        token = cookies.get(COOKIE, "")
        valid_cookie = False
        if token:
            try:
                self.signer.loads(token, salt=NAMESPACE)
                valid_cookie = True
            except BadSignature:
                pass
        if not valid_cookie:
            token = self.signer.dumps(secrets.token_urlsafe(16), salt=NAMESPACE)
        used = False

        def get_token() -> str:
            nonlocal used
            used = True
            return token

        scope = {**scope, "csrftoken": get_token}

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and used:
                headers = list(message.get("headers") or [])
                vary = [i for i, (k, _) in enumerate(headers) if k.lower() == b"vary"]
                if vary:
                    k, v = headers[vary[0]]
                    if b"cookie" not in v.lower():
                        headers[vary[0]] = (k, v + b", Cookie")
                else:
                    headers.append((b"vary", b"Cookie"))
                if not valid_cookie:
                    attrs = [f"{COOKIE}={token}", "Path=/", "SameSite=Lax"]
                    if self.cookie_secure:
                        attrs.append("Secure")
                    headers.append((b"set-cookie", "; ".join(attrs).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send_with_cookie)
            return
        headers = Headers(scope=scope)
        if secrets.compare_digest(headers.get(HEADER.decode(), "").encode("latin-1"), token.encode()):
            await self.app(scope, receive, send_with_cookie)
            return
        if "cookie" not in headers and scope["path"] not in self.always_protect:
            # No cookie, so no session for a forged request to ride on (asgi-csrf's rule too).
            await self.app(scope, receive, send_with_cookie)
            return
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            messages, body = await _read_body(receive)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                await _bad_request("The form could not be read: it was not UTF-8 text.", scope, send)
                return
            sent = dict(parse_qsl(text)).get(FIELD, "")
        elif content_type == "multipart/form-data" and self.checked_in_view(scope["path"]):
            await self.app(scope, receive, send_with_cookie)
            return
        elif content_type == "multipart/form-data":
            messages, body = await _read_body(receive)
            found = await self._multipart_token(scope, headers, body)
            if found is None:
                await _bad_request("The form could not be read.", scope, send)
                return
            sent = found
        else:
            messages, sent = [], ""
        if not valid_cookie or not secrets.compare_digest(sent.encode(), token.encode()):
            await self.on_failure(scope, send_with_cookie, None)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send_with_cookie)

    async def _multipart_token(self, scope: Scope, headers: Headers, body: bytes) -> str | None:
        """The token field of a multipart body, "" when it has none, None when the body is malformed."""

        async def stream():  # type: ignore[no-untyped-def]
            yield body

        parser = MultiPartParser(headers, stream(), max_files=0, max_fields=1000)
        try:
            form = await parser.parse()
        except Exception:  # MultiPartException, python-multipart's own errors, bad boundaries
            return None
        try:
            value = form.get(FIELD)
            return value if isinstance(value, str) else ""
        finally:
            await form.close()


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    """The whole body (BodyLimitMiddleware outside bounds it) and the messages to replay."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


async def _bad_request(text: str, scope: Scope, send: Send) -> None:
    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await PlainTextResponse(text, status_code=400)(scope, no_body, send)
