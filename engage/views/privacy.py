"""Erasure by reference: the public "Ask us to delete your response" page and the officers' page
of requests, where they find a response by reference and erase it."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.forms import EraseForm, StaffEraseForm
from engage.security import MANAGERS, requires_role
from engage.services import erasure
from engage.services.errors import Conflict, ValidationFailed
from engage.templating import render
from engage.views.common import call, flash, path_int, pop_flash, read_form, see_other, staff_id

log = logging.getLogger(__name__)

# Per address: plenty for a person, too few to try references in bulk.
ERASE_LIMIT = "5/hour"


async def erase_form(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "public/erase.html", {"form": EraseForm()})
    data = await read_form(request)
    form = EraseForm(data)
    if form.validate():
        # Only well-formed references count against the limit, so a typo never locks someone out.
        address = request.client.host if request.client else "unknown"
        if not request.app.state.throttle.hit(ERASE_LIMIT, "erase-address", address):
            log.warning("erasure requests throttled")
            raise HTTPException(429, "Wait an hour, then try again.")
        try:
            await call(request, erasure.request_erasure, request.app.state.settings.secret_key, form.reference.data)
        except ValidationFailed as exc:
            form.reference.errors = [exc.errors["reference"]]
        else:
            # The same answer whether or not a response has this reference.
            return see_other(request.url_for("erase_sent"))
    return render(request, "public/erase.html", {"form": form}, status_code=400)


async def erase_sent(request: Request) -> Response:
    return render(request, "public/erase_sent.html")


# ---- Staff -----------------------------------------------------------------------------------


async def _page(request: Request, form: StaffEraseForm, status_code: int = 200, found=None) -> Response:  # type: ignore[no-untyped-def]
    requests = await call(request, erasure.pending)
    return render(
        request,
        "staff/erasure.html",
        {"requests": requests, "form": form, "found": found, "flash": pop_flash(request)},
        status_code=status_code,
    )


@requires_role(MANAGERS)
async def erasure_requests(request: Request) -> Response:
    return await _page(request, StaffEraseForm())


@requires_role(MANAGERS)
async def find_response(request: Request) -> Response:
    """Find a response by reference (posted, so the reference is never in a URL)."""
    form = StaffEraseForm(await read_form(request))
    if form.validate():
        try:
            found = await call(request, erasure.find, form.reference.data or "")
        except ValidationFailed as exc:
            form.reference.errors = [exc.errors["reference"]]
        else:
            if found is not None:
                return await _page(request, form, found=found)
            form.reference.errors = [erasure.NO_MATCH]
    return await _page(request, form, status_code=400)


@requires_role(MANAGERS)
async def erase_response(request: Request) -> Response:
    form = StaffEraseForm(await read_form(request))
    if form.validate():
        try:
            erased = await call(
                request, erasure.erase, request.app.state.settings.secret_key, staff_id(request), form.reference.data
            )
        except ValidationFailed as exc:
            form.reference.errors = [exc.errors["reference"]]
        else:
            flash(request, f"Response erased from {erased.consultation_title}")
            return see_other(request.url_for("erasure_requests"))
    return await _page(request, form, status_code=400)


@requires_role(MANAGERS)
async def erase_requested(request: Request) -> Response:
    try:
        erased = await call(
            request,
            erasure.erase_request,
            request.app.state.settings.secret_key,
            staff_id(request),
            path_int(request, "id"),
        )
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from exc
    except ValidationFailed as exc:
        raise HTTPException(409, exc.errors["reference"]) from exc
    flash(request, f"Response erased from {erased.consultation_title}")
    return see_other(request.url_for("erasure_requests"))


@requires_role(MANAGERS)
async def close_requested(request: Request) -> Response:
    try:
        await call(request, erasure.close_request, staff_id(request), path_int(request, "id"))
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from exc
    flash(request, "Request closed without erasing anything")
    return see_other(request.url_for("erasure_requests"))


routes = [
    Route("/erase", erase_form, methods=["GET", "POST"], name="erase"),
    Route("/erase/sent", erase_sent, name="erase_sent"),
    Route("/staff/erasure", erasure_requests, name="erasure_requests"),
    Route("/staff/erasure/find", find_response, methods=["POST"], name="erasure_find"),
    Route("/staff/erasure/erase", erase_response, methods=["POST"], name="erasure_erase"),
    Route("/staff/erasure/{id:int}/erase", erase_requested, methods=["POST"], name="erasure_request_erase"),
    Route("/staff/erasure/{id:int}/close", close_requested, methods=["POST"], name="erasure_request_close"),
]
