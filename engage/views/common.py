"""Small helpers shared by the views: run a service in a session, redirects, htmx."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from engage.services.errors import NotFound

T = TypeVar("T")

MAX_FORM_FIELDS = 500

# Control characters (tab and newlines aside) and non-characters: never meant, and invalid in the
# HTML pages that show what was typed (error pages, check your answers, the staff views).
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


async def call(request: Request, fn: Callable[..., T], *args: Any, writes: bool | None = None, **kwargs: Any) -> T:
    """Run a (synchronous) service function in its own session, off the event loop.

    GET requests never change anything, so they read without taking SQLite's write lock; a GET
    that must write (an audited download) says so with writes=True. A POST's reads before its
    write (the consultation a response is for) say writes=False, so that they do not queue for
    the write lock too.
    """
    state = request.app.state
    reading = not writes if writes is not None else request.method in ("GET", "HEAD")
    factory = getattr(state, "read_sessions", state.sessions) if reading else state.sessions

    def work() -> T:
        with factory() as db:
            return fn(db, *args, **kwargs)

    try:
        return await run_in_threadpool(work)
    except NotFound as exc:
        raise HTTPException(404, "We could not find that page") from exc


async def read_form(request: Request) -> FormData:
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    if any(isinstance(v, str) and _UNWANTED.search(v) for _, v in form.multi_items()):
        return FormData([(k, _UNWANTED.sub("", v) if isinstance(v, str) else v) for k, v in form.multi_items()])
    return form


async def read_upload_form(request: Request, max_bytes: int) -> tuple[FormData, str, bytes]:
    """A multipart form with one file: (the other fields, the file's name, up to max_bytes + 1 of it).

    The CSRF middleware leaves upload paths to this view (engage/csrf.py), so the token is checked here.
    """
    import secrets

    from itsdangerous import BadSignature, URLSafeSerializer
    from starlette.datastructures import UploadFile

    async with request.form(max_files=1, max_fields=20) as form:
        cookie = request.cookies.get("csrftoken", "")
        sent = form.get("csrftoken")
        try:
            URLSafeSerializer(request.app.state.settings.secret_key).loads(cookie, "csrftoken")
        except BadSignature as exc:
            raise HTTPException(403, "The page had expired. Go back, reload the page and try again.") from exc
        if not isinstance(sent, str) or not secrets.compare_digest(sent, cookie):
            raise HTTPException(403, "The page had expired. Go back, reload the page and try again.")
        upload = form.get("file")
        filename, content = "", b""
        if isinstance(upload, UploadFile) and upload.filename:
            filename, content = upload.filename, await upload.read(max_bytes + 1)
        fields = FormData([(k, _UNWANTED.sub("", v)) for k, v in form.multi_items() if isinstance(v, str)])
    return fields, filename, content


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def see_other(url: Any) -> RedirectResponse:
    return RedirectResponse(str(url), status_code=303)


def staff_id(request: Request) -> int:
    staff = request.scope.get("staff")
    assert staff is not None, "staff views are wrapped in requires_role"
    return int(staff.id)


def path_int(request: Request, name: str) -> int:
    return int(request.path_params[name])


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def pop_flash(request: Request) -> str | None:
    return request.session.pop("flash", None)


__all__ = ["Session", "call", "flash", "is_htmx", "path_int", "pop_flash", "read_form", "see_other", "staff_id"]
