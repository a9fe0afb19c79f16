"""Message catalogues for the public pages (Babel, gettext).

Templates mark text with `_()` / `{% trans %}`; Python strings shown on public pages (form labels
and error messages, labels) use `lazy_gettext`, translated when rendered. The language comes from
`?lang=`, then the `lang` cookie, then the browser's Accept-Language, among the catalogues found in
`engage/locale/<code>/LC_MESSAGES/messages.mo` (English is always there). A council adds a language
by adding a catalogue: see docs/translating.md. No template changes.
"""

from __future__ import annotations

import contextvars
import functools
import re
from pathlib import Path
from typing import Any

from babel.support import LazyProxy, NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT = "en"
DOMAIN = "messages"
_CODE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")

_current: contextvars.ContextVar[NullTranslations] = contextvars.ContextVar("engage_translations")


def available(locale_dir: Path | None = None) -> list[str]:
    return list(_available(locale_dir or LOCALE_DIR))


@functools.lru_cache(maxsize=8)
def _available(base: Path) -> tuple[str, ...]:
    # The catalogues are compiled at install time; every request asks, so look once.
    found = {p.parent.parent.name for p in base.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return tuple(sorted(found | {DEFAULT}))


@functools.lru_cache(maxsize=32)
def _load(locale_dir: str, code: str) -> NullTranslations:
    return Translations.load(locale_dir, [code], DOMAIN)


def translations(code: str) -> NullTranslations:
    return _load(str(LOCALE_DIR), code)


def choose(query: str | None, cookie: str | None, accept_language: str) -> str:
    """The language for a request: an explicit choice, then the browser's preference, then English."""
    codes = available()
    for wanted in (query, cookie):
        if wanted and _CODE.match(wanted) and wanted in codes:
            return wanted
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        for candidate in (tag, tag.split("_")[0].lower()):
            if candidate in codes:
                return candidate
    return DEFAULT


def activate(code: str) -> None:
    _current.set(translations(code))


def gettext(message: str) -> str:
    return _current.get(_NULL).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.get(_NULL).ngettext(singular, plural, n)


def _format(message: str, variables: dict[str, Any]) -> str:
    text = gettext(message)
    return text % variables if variables else text


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """For strings defined at import time (form labels): translated each time they are shown."""
    return LazyProxy(_format, message, variables, enable_cache=False)


_NULL = NullTranslations()


def N_(message: str) -> str:
    """Marks a string for the catalogue where it is translated later (`_(value)` in a template)."""
    return message


class LocaleMiddleware:
    """Chooses the language for each request; the choice made with ?lang= is kept in a cookie."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import HTTPConnection

        conn = HTTPConnection(scope)
        query = conn.query_params.get("lang")
        code = choose(query, conn.cookies.get("lang"), conn.headers.get("accept-language", ""))
        activate(code)
        scope["language"] = code
        remember = query is not None and query == code

        async def send_with_cookie(message: Any) -> None:
            if remember and message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", f"lang={code}; Path=/; Max-Age=31536000; SameSite=Lax".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
