"""Public forms' defences against scripts: a honeypot field, a minimum fill time carried by a
single-use signed token, and a rate limit per address. Refusals are logged with the reason and the
form, never who sent it. What these do not stop is written down in docs/security.md."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import secrets
import time
from collections.abc import Callable

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from engage.models import SpentFormToken, utcnow
from engage.security import View, client_address
from engage.templating import render
from engage.views.common import call, read_form

log = logging.getLogger(__name__)

HONEYPOT = "website"  # a field people never see, and scripts fill in
STARTED = "form_started"  # when the form was first shown, signed


def _signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="engage.form-started")


def started_token(request: Request) -> str:
    # A random part makes every token shown unique, so that spending one spends only that form.
    return _signer(request).dumps([int(time.time()), secrets.token_urlsafe(9)])


def _shown_at(request: Request, token: str) -> int | None:
    try:
        value = _signer(request).loads(token, max_age=TOKEN_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    if isinstance(value, list) and value and isinstance(value[0], int):
        return value[0]
    return value if isinstance(value, int) else None  # a token shown before they had a random part


TOKEN_MAX_AGE = 7 * 24 * 3600


def refusal(request: Request, data: FormData) -> str | None:
    """Why this submission is refused, or None to accept it."""
    settings = request.app.state.settings
    if data.get(HONEYPOT):
        return "honeypot"
    if settings.min_fill_seconds > 0:  # 0 turns the check off (load tests, browser tests)
        shown_at = _shown_at(request, str(data.get(STARTED, "")))
        if shown_at is None:
            return "no start time"
        if time.time() - shown_at < settings.min_fill_seconds:
            return "too fast"
    if not request.app.state.throttle.hit(settings.public_rate_limit, "public-form", client_address(request)):
        return "rate limit"
    return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def spend_token(db: Session, token: str, bound_key: str | None) -> bool:
    """Mark a form's start-time token used; False when another submission already used it.

    The same submission sent again (same idempotency key: a double click, a retry) may pass, as the
    key then finds its first copy instead of storing a second.
    """
    digest = _digest(token)
    db.add(SpentFormToken(digest=digest, bound_key=bound_key))
    try:
        db.commit()
        return True
    except IntegrityError:
        db.rollback()
    earlier = db.get(SpentFormToken, digest)
    db.commit()
    return bool(earlier is not None and bound_key and earlier.bound_key == bound_key)


def unspend_token(db: Session, token: str, bound_key: str | None) -> None:
    """The submission was refused (a mistake in the form): the person may correct it and send again."""
    db.execute(
        delete(SpentFormToken).where(SpentFormToken.digest == _digest(token), SpentFormToken.bound_key == bound_key)
        if bound_key
        else delete(SpentFormToken).where(SpentFormToken.digest == _digest(token), SpentFormToken.bound_key.is_(None))
    )
    db.commit()


def forget_spent_tokens(db: Session) -> int:
    """Tokens older than a token can be are refused by their signature anyway."""
    cutoff = utcnow() - dt.timedelta(seconds=TOKEN_MAX_AGE + 3600)
    gone = db.execute(delete(SpentFormToken).where(SpentFormToken.spent_at < cutoff)).rowcount  # type: ignore[attr-defined]
    db.commit()
    return int(gone or 0)


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
                spent = None
                if reason is None and when(data) and request.app.state.settings.min_fill_seconds > 0:
                    token = str(data.get(STARTED, ""))
                    key = str(data.get("idempotency_key", ""))[:64] or None
                    if await call(request, spend_token, token, key):
                        spent = (token, key)
                    else:
                        log.warning("public form refused: %s (token reused)", form_name)
                        return render(
                            request,
                            "error.html",
                            {
                                "title": "This form has already been sent",
                                "detail": "Each form can be sent once. Go back, reload the page and "
                                "fill it in again to send another.",
                            },
                            status_code=409,
                        )
                    if secrets.randbelow(200) == 0:  # now and then: the table stays small
                        await call(request, forget_spent_tokens)
                response = await view(request)
                if spent is not None and response.status_code >= 400:
                    await call(request, unspend_token, *spent)
                return response
            return await view(request)

        return wrapper

    return decorator
