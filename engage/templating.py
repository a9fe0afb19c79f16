"""Jinja2 templates. Fragments for htmx are `_name.html` templates that pages include."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from typing import Any

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from engage import i18n, labels
from engage.paths import resource_dir


def _context(request: Request) -> dict[str, Any]:
    token = request.scope.get("csrftoken")
    return {
        "staff": request.scope.get("staff"),
        "csrf_token": token() if callable(token) else "",
        "is_htmx": request.headers.get("HX-Request") == "true",
        "labels": labels,
        "language": request.scope.get("language", i18n.DEFAULT),
        "form_started": lambda: _started_token(request),
        # Unique ids for repeated honeypot fields on one page (a forum thread has several forms).
        "form_uid": functools.partial(next, itertools.count(1)),
    }


def _started_token(request: Request) -> str:
    from engage.views.guard import started_token

    return started_token(request)


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def _datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y at %-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def _percent(part: int, whole: int) -> str:
    if not whole:
        return "0%"
    return f"{round(100 * part / whole)}%"


templates = Jinja2Templates(directory=str(resource_dir("templates")), context_processors=[_context])
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals["N_"] = i18n.N_
# `value|t` translates a value chosen in code or stored (a label, a space's name) and, unlike
# `_()`, still escapes it: only the catalogue's own strings are trusted as markup.
templates.env.filters["t"] = lambda value: i18n.gettext(str(value)) if value else ""
templates.env.filters["date"] = _date
templates.env.filters["datetime"] = _datetime
templates.env.globals["percent"] = _percent


def _share(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


templates.env.filters["share"] = _share


def _commitment_label(value: str) -> str:
    from engage.services.commitments import LABELS

    return LABELS.get(value, value)  # type: ignore[call-overload]


def _commitment_tag(value: str) -> str:
    from engage.services.commitments import TAGS

    return TAGS.get(value, "")  # type: ignore[call-overload]


templates.env.filters["commitment_label"] = _commitment_label
templates.env.filters["commitment_tag"] = _commitment_tag


def render(request: Request, name: str, context: dict[str, Any] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    return templates.TemplateResponse(request, name, context or {}, **kwargs)
