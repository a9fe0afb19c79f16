"""Staff sign in and sign out."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.forms import LoginForm
from engage.middleware import start_staff_session
from engage.services import users
from engage.templating import render
from engage.views.common import call, read_form, see_other

log = logging.getLogger(__name__)


# Per account, slow enough to stop guessing; per address, loose enough for a shared office.
ACCOUNT_LIMIT = "5/15 minutes"
ADDRESS_LIMIT = "30/15 minutes"


async def login(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "staff/login.html", {"form": LoginForm()})
    form = LoginForm(await read_form(request))
    if form.validate():
        email = (form.email.data or "").strip().lower()
        throttle = request.app.state.throttle
        address = request.client.host if request.client else "unknown"
        if not (throttle.hit(ADDRESS_LIMIT, "login-address", address) and throttle.hit(ACCOUNT_LIMIT, "login", email)):
            log.warning("staff sign in throttled")  # no email or address: logs carry no personal data
            return render(
                request,
                "error.html",
                {"title": "Too many attempts to sign in", "detail": "Wait 15 minutes, then try again."},
                status_code=429,
            )
        user = await call(request, users.authenticate, email, form.password.data or "")
        if user is not None:
            throttle.clear(ACCOUNT_LIMIT, "login", email)
            start_staff_session(request.session, user.id)
            return see_other(request.url_for("dashboard"))
        log.info("staff sign in refused")
        form.email.errors = ["Enter a correct email address and password"]
    return render(request, "staff/login.html", {"form": form}, status_code=400)


async def logout(request: Request) -> Response:
    request.session.clear()
    return see_other(request.url_for("home"))


routes = [
    Route("/staff/login", login, methods=["GET", "POST"], name="login"),
    Route("/staff/logout", logout, methods=["POST"], name="logout"),
]
