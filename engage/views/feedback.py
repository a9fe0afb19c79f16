"""Feedback at any time (public), and the service areas it is routed to (officers)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engage.forms import ServiceAreaForm, feedback_form_class
from engage.models import Audience
from engage.security import MANAGERS, requires_role
from engage.services import feedback, responses
from engage.services.errors import ValidationFailed
from engage.templating import render
from engage.views import guard
from engage.views.common import call, flash, path_int, pop_flash, read_form, see_other, staff_id

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@guard.guarded("feedback")
async def give_feedback(request: Request) -> Response:
    areas = await call(request, feedback.areas)
    form_class = feedback_form_class([(a.id, a.name) for a in areas])
    if request.method == "GET":
        key = responses.new_idempotency_key()
        return render(request, "public/feedback.html", {"form": form_class(), "idempotency_key": key})
    data = await read_form(request)
    key = str(data.get("idempotency_key", ""))
    if not _KEY.match(key):
        key = responses.new_idempotency_key()
    form = form_class(data)
    if form.validate():
        audience = Audience(form.audience.data) if form.audience.data else Audience.OTHER
        try:
            receipt = await call(request, feedback.submit, int(form.area.data), form.feedback.data or "", audience, key)
        except ValidationFailed as exc:
            form.area.errors = list(exc.errors.values())
        else:
            request.session["feedback"] = {
                "reference": receipt.reference,
                "young": audience == Audience.YOUNG_PERSON,
            }
            return see_other(request.url_for("feedback_sent"))
    return render(request, "public/feedback.html", {"form": form, "idempotency_key": key}, status_code=400)


async def feedback_sent(request: Request) -> Response:
    sent = request.session.get("feedback")
    if not sent:
        return RedirectResponse(request.url_for("give_feedback"), status_code=303)
    return render(request, "public/feedback_sent.html", {"reference": sent["reference"], "young": sent.get("young")})


@requires_role(MANAGERS)
async def service_areas(request: Request) -> Response:
    form = ServiceAreaForm()
    status = 200
    if request.method == "POST":
        form = ServiceAreaForm(await read_form(request))
        if form.validate():
            try:
                await call(request, feedback.add_area, staff_id(request), form.name.data or "")
            except ValidationFailed as exc:
                form.name.errors = list(exc.errors.values())
            else:
                flash(request, f"Service area added: {form.name.data}")
                return see_other(request.url_for("service_areas"))
        status = 400

    def load(db):  # type: ignore[no-untyped-def]
        return feedback.areas(db, include_inactive=True), feedback.ensure_consultation(db)

    areas, c = await call(request, load)
    return render(
        request,
        "staff/service_areas.html",
        {"areas": areas, "form": form, "c": c, "flash": pop_flash(request)},
        status_code=status,
    )


@requires_role(MANAGERS)
async def toggle_area(request: Request) -> Response:
    active = (await read_form(request)).get("active") == "1"
    area = await call(request, feedback.set_active, staff_id(request), path_int(request, "aid"), active)
    flash(request, f"{area.name} is {'shown on' if active else 'hidden from'} the feedback form.")
    return see_other(request.url_for("service_areas"))


routes = [
    Route("/feedback", give_feedback, methods=["GET", "POST"], name="give_feedback"),
    Route("/feedback/sent", feedback_sent, name="feedback_sent"),
    Route("/staff/service-areas", service_areas, methods=["GET", "POST"], name="service_areas"),
    Route("/staff/service-areas/{aid:int}", toggle_area, methods=["POST"], name="toggle_area"),
]
