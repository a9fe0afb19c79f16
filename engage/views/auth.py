"""Staff sign in and sign out."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.forms import LoginForm
from engage.services import users
from engage.templating import render
from engage.views.common import call, read_form, see_other

log = logging.getLogger(__name__)


async def login(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "staff/login.html", {"form": LoginForm()})
    form = LoginForm(await read_form(request))
    if form.validate():
        user = await call(request, users.authenticate, form.email.data or "", form.password.data or "")
        if user is not None:
            # A fresh session at sign in: nothing from before carries over (no fixation).
            request.session.clear()
            request.session["staff_id"] = user.id
            return see_other(request.url_for("dashboard"))
        log.info("staff sign in refused")  # no email address: logs carry no personal data
        form.email.errors = ["Enter a correct email address and password"]
    return render(request, "staff/login.html", {"form": form}, status_code=400)


async def logout(request: Request) -> Response:
    request.session.clear()
    return see_other(request.url_for("home"))


routes = [
    Route("/staff/login", login, methods=["GET", "POST"], name="login"),
    Route("/staff/logout", logout, methods=["POST"], name="logout"),
]
