"""The pages a council must publish: privacy notice, cookies, contact and accessibility statement.

The council's details come from settings (ENGAGE_COUNCIL_*, ENGAGE_DPO_EMAIL), so a council
changes them without touching a template.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.i18n import N_
from engage.services import consultations
from engage.settings import Settings
from engage.templating import render
from engage.views.common import call

# Every cookie the service sets, and nothing else: tests/views/test_pages.py fails if a page sets
# one that is not listed here. (name, purpose, how long it lasts)
COOKIES = [
    (
        "engage_session",
        N_(
            "Remembers your progress: your reference number after you respond, your age band on "
            "consultations for young people, and a random number so your support for an idea is "
            "counted once. For staff, that they are signed in."
        ),
        N_("8 hours"),
    ),
    (
        "csrftoken",
        N_("Stops other websites sending forms in your name (a security check)."),
        N_("When you close your browser"),
    ),
    ("lang", N_("Remembers the language you chose for this website."), N_("1 year")),
]


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


async def privacy(request: Request) -> Response:
    settings = _settings(request)
    return render(request, "public/privacy.html", {"council": settings, "c": None, "settings": settings})


async def consultation_privacy(request: Request) -> Response:
    """The privacy notice for one consultation: the same purposes, with its own dates."""
    settings = _settings(request)
    c = await call(request, consultations.get_public, request.path_params["slug"])
    delete_on = c.closes_on + dt.timedelta(days=settings.retention_days) if c.closes_on else None
    return render(
        request,
        "public/privacy.html",
        {"council": settings, "c": c, "settings": settings, "delete_on": delete_on},
    )


async def cookies(request: Request) -> Response:
    return render(request, "public/cookies.html", {"cookies": COOKIES, "council": _settings(request)})


async def contact(request: Request) -> Response:
    return render(request, "public/contact.html", {"council": _settings(request)})


async def accessibility(request: Request) -> Response:
    settings = _settings(request)
    return render(
        request,
        "public/accessibility.html",
        {
            "council": settings,
            "prepared": _date(settings.accessibility_prepared),
            "reviewed": _date(settings.accessibility_reviewed),
        },
    )


routes = [
    Route("/privacy", privacy, name="privacy"),
    Route("/consultations/{slug:str}/privacy", consultation_privacy, name="consultation_privacy"),
    Route("/cookies", cookies, name="cookies"),
    Route("/contact", contact, name="contact"),
    Route("/accessibility", accessibility, name="accessibility"),
]
