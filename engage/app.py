"""The Starlette application: routes, middleware and shared resources."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator

from cachetools import TTLCache
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Scope, Send

from engage import nlp_runtime
from engage.csrf import CSRFMiddleware
from engage.db import make_engine, make_read_sessionmaker, make_sessionmaker
from engage.i18n import LocaleMiddleware
from engage.middleware import (
    AccessLogMiddleware,
    BodyLimitMiddleware,
    FormEncodingMiddleware,
    SecurityHeadersMiddleware,
    StaffMiddleware,
)
from engage.paths import resource_dir
from engage.settings import Settings
from engage.templating import render
from engage.throttle import Throttle
from engage.views import (
    about_you,
    auth,
    feedback,
    forums,
    imports,
    insight,
    nominations,
    privacy,
    public,
    publishing,
    review,
    staff,
    users,
)
from engage.worker import Worker, start_in_thread

log = logging.getLogger(__name__)

SESSION_MAX_AGE = 8 * 60 * 60  # a working day; staff sign in again after that


def create_app(settings: Settings | None = None) -> ASGIApp:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = make_sessionmaker(engine)
        app.state.read_sessions = make_read_sessionmaker(engine)
        app.state.nlp = functools.partial(nlp_runtime.load, settings.spacy_model)
        app.state.worker = Worker(app.state.sessions, app.state.nlp)
        app.state.throttle = Throttle(settings.rate_limit_storage)
        # Consultations' response-form specs, reused by submissions for a few seconds (ADR 0008);
        # touched only on the event loop's thread.
        ttl = settings.form_cache_seconds
        app.state.form_specs = TTLCache(maxsize=256, ttl=ttl) if ttl > 0 else None
        thread = stop = None
        if settings.run_worker:
            thread, stop = start_in_thread(app.state.worker)
        try:
            yield
        finally:
            if stop is not None and thread is not None:
                stop.set()
                app.state.worker.wake.set()
                thread.join(timeout=30)
            engine.dispose()

    app = Starlette(
        routes=[
            *public.routes,
            *about_you.routes,
            *feedback.routes,
            *nominations.routes,
            *forums.routes,
            *privacy.routes,
            *auth.routes,
            *staff.routes,
            *users.routes,
            *review.routes,
            *insight.routes,
            *publishing.routes,
            *imports.routes,
            Mount("/static", StaticFiles(directory=str(resource_dir("static"))), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(LocaleMiddleware),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="engage_session",
                max_age=SESSION_MAX_AGE,
                same_site="lax",
                https_only=settings.https_only,
            ),
            Middleware(StaffMiddleware),
        ],
        exception_handlers={HTTPException: http_error, OperationalError: database_down, 500: server_error},
        lifespan=lifespan,
    )
    # Double-submit-cookie CSRF protection around everything: every POST, htmx ones included
    # (htmx sends the token in the X-CSRFToken header, forms in a hidden field), of every content type.
    protected = CSRFMiddleware(
        app,
        secret=settings.secret_key,
        on_failure=csrf_failed,
        always_protect={"/staff/login", "/staff/login/code", "/erase"},
        cookie_secure=settings.https_only,
        checked_in_view=takes_files,
    )
    # Outermost: a forged Host is refused before anything can echo it into a redirect, and an
    # over-large body is refused before the CSRF check reads it.
    limited = AccessLogMiddleware(
        TrustedHostMiddleware(
            BodyLimitMiddleware(FormEncodingMiddleware(protected), upload_paths=takes_files),
            allowed_hosts=list(settings.allowed_hosts),
        )
    )
    limited.state = app.state  # type: ignore[attr-defined]  # tests and tools reach app.state
    return limited


# The only paths that take files: officers' spreadsheet imports.
UPLOAD_PATHS = re.compile(r"^/staff/consultations/\d+/imports$")


def takes_files(path: str) -> bool:
    return bool(UPLOAD_PATHS.match(path))


async def csrf_failed(scope: Scope, send: Send, message_id: object) -> None:
    # Usually an old tab or an expired cookie, rarely an attack: say what to do next.
    log.warning("CSRF check failed on %s", scope.get("path"))
    request = Request({**scope, "staff": None, "session": {}})
    response = render(
        request,
        "error.html",
        {
            "title": "Your form could not be sent",
            "detail": "The page had expired. Go back, reload the page and try again. Nothing you typed has been saved.",
        },
        status_code=403,
    )
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


TITLES = {
    429: "Too many requests",
    400: "There is a problem",
    403: "You cannot do that",
    404: "Page not found",
    405: "Page not found",
    409: "That cannot be done now",
    413: "That was too much to send",
}


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = TITLES.get(exc.status_code, "Something went wrong")
    return render(request, "error.html", {"title": title, "detail": exc.detail}, status_code=exc.status_code)


async def database_down(request: Request, exc: Exception) -> Response:
    # The exception's text can hold connection details; its type is enough to act on.
    log.error("database unavailable: %s", type(exc).__name__)
    return render(
        request,
        "error.html",
        {
            "title": "Sorry, the service is unavailable",
            "detail": "Please try again in a few minutes. If you saw a reference number, your response was saved.",
        },
        status_code=503,
        headers={"Retry-After": "30"},
    )


async def server_error(request: Request, exc: Exception) -> Response:
    return render(
        request,
        "error.html",
        {"title": "Sorry, there is a problem with the service", "detail": "Please try again later."},
        status_code=500,
    )
