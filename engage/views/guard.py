"""Public forms' defences against scripts: a honeypot field, a minimum fill time and a rate
limit per address. Refusals are logged with the reason and the form, never who sent it."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from engage.security import View
from engage.templating import render
from engage.views.common import read_form

log = logging.getLogger(__name__)

HONEYPOT = "website"  # a field people never see, and scripts fill in
STARTED = "form_started"  # when the form was first shown, signed


def _signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="engage.form-started")


def started_token(request: Request) -> str:
    return _signer(request).dumps(int(time.time()))


def refusal(request: Request, data: FormData) -> str | None:
    """Why this submission is refused, or None to accept it."""
    settings = request.app.state.settings
    if data.get(HONEYPOT):
        return "honeypot"
    if settings.min_fill_seconds > 0:  # 0 turns the check off (load tests, browser tests)
        try:
            shown_at = int(_signer(request).loads(str(data.get(STARTED, "")), max_age=7 * 24 * 3600))
        except (BadSignature, ValueError, TypeError):
            return "no start time"
        if time.time() - shown_at < settings.min_fill_seconds:
            return "too fast"
    address = request.client.host if request.client else "unknown"
    if not request.app.state.throttle.hit(settings.public_rate_limit, "public-form", address):
        return "rate limit"
    return None


def guarded(form_name: str, when: Callable[[FormData], bool] = lambda data: True) -> Callable[[View], View]:
    """Check POSTs to a public view before it runs (the parsed form is cached on the request)."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        async def wrapper(request: Request) -> Response:
            if request.method == "POST":
                data = await read_form(request)
                reason = refusal(request, data) if when(data) else None
                if reason:
                    log.warning("public form refused: %s (%s)", form_name, reason)
                    if reason == "rate limit":
                        return render(
                            request,
                            "error.html",
                            {
                                "title": "Too many requests",
                                "detail": "Too many forms have been sent from your "
                                "connection. Wait 10 minutes, then try again. Nothing has been saved.",
                            },
                            status_code=429,
                        )
                    return render(
                        request,
                        "error.html",
                        {
                            "title": "Your form could not be sent",
                            "detail": "Go back, check your answers and send the form again. Nothing has been saved.",
                        },
                        status_code=400,
                    )
            return await view(request)

        return wrapper

    return decorator
