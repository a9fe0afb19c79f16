"""Staff sign in (a password, then a code when two-step verification is on), sign out, and the
staff member's own account page (turning two-step verification on and off)."""

from __future__ import annotations

import logging
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.forms import CodeForm, LoginForm
from engage.middleware import current_stamp, end_sessions, start_staff_session
from engage.security import STAFF_ROLES, client_address, requires_role
from engage.services import totp, users
from engage.services.errors import Conflict, ValidationFailed
from engage.templating import render
from engage.views.common import call, flash, pop_flash, read_form, see_other, staff_id

log = logging.getLogger(__name__)


# Failures are counted per account *and* address pair, on a ladder: a few quick tries, then waits
# that grow (a progressive delay). Someone guessing from elsewhere cannot lock the real person out,
# and a right password clears the pair. At most 20 guesses an hour at one account from one address.
PAIR_LIMITS = ("5/minute", "10/15 minutes", "20/hour", "40/day")
# Per address, whatever the account (password spraying); loose enough for a shared office.
ADDRESS_LIMITS = ("30/15 minutes", "60/hour")
# Between the password and the code: the half-signed-in state lasts 5 minutes.
PENDING_KEY = "pending_sign_in"
PENDING_SECONDS = 5 * 60


def _throttled(request: Request, wait: float) -> Response:
    log.warning("staff sign in throttled")  # no email or address: logs carry no personal data
    minutes = max(1, -(-int(wait) // 60))
    return render(
        request,
        "error.html",
        {
            "title": "Too many attempts to sign in",
            "detail": f"Wait {minutes} minute{'s' if minutes != 1 else ''}, then try again.",
        },
        status_code=429,
        headers={"Retry-After": str(max(1, int(wait)))},
    )


def _address(request: Request) -> str:
    return client_address(request)


def _wait(request: Request, kind: str, account: str) -> float:
    """Count this attempt; seconds to wait first (0: go ahead)."""
    throttle = request.app.state.throttle
    address = _address(request)
    return throttle.attempt(ADDRESS_LIMITS, "login-address", address) or throttle.attempt(
        PAIR_LIMITS, kind, account, address
    )


async def _start_session(request: Request, user_id: int) -> None:
    state = request.app.state
    stamp = await run_in_threadpool(current_stamp, state.sessions, user_id, state.settings.secret_key)
    start_staff_session(request.session, user_id, stamp)


async def login(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "staff/login.html", {"form": LoginForm()})
    form = LoginForm(await read_form(request))
    if form.validate():
        email = (form.email.data or "").strip().lower()
        wait = _wait(request, "login", email)
        if wait:
            return _throttled(request, wait)
        checked = await call(request, users.sign_in_first_step, email, form.password.data or "")
        if checked is not None:
            request.app.state.throttle.clear_all(PAIR_LIMITS, "login", email, _address(request))
            if checked.needs_code:
                # Half signed in: no staff_id in the session until the code is right.
                request.session.clear()
                request.session[PENDING_KEY] = {"user_id": checked.user_id, "at": int(time.time())}
                return see_other(request.url_for("login_code"))
            await _start_session(request, checked.user_id)
            return see_other(request.url_for("dashboard"))
        log.info("staff sign in refused")
        form.email.errors = ["Enter a correct email address and password"]
    return render(request, "staff/login.html", {"form": form}, status_code=400)


def _pending_user(request: Request) -> int | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    user_id, at = pending.get("user_id"), pending.get("at")
    if not isinstance(user_id, int) or not isinstance(at, int) or time.time() - at > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return user_id


async def login_code(request: Request) -> Response:
    user_id = _pending_user(request)
    if user_id is None:
        return see_other(request.url_for("login"))
    if request.method == "GET":
        return render(request, "staff/login_code.html", {"form": CodeForm()})
    form = CodeForm(await read_form(request))
    if form.validate():
        wait = _wait(request, "login-code", str(user_id))
        if wait:
            return _throttled(request, wait)
        secret_key = request.app.state.settings.secret_key
        try:
            ok = await call(request, users.sign_in_second_step, user_id, secret_key, form.code.data or "")
        except ValidationFailed as exc:
            form.code.errors = [exc.errors["code"]]
        else:
            if ok:
                request.app.state.throttle.clear_all(PAIR_LIMITS, "login-code", str(user_id), _address(request))
                await _start_session(request, user_id)
                return see_other(request.url_for("dashboard"))
            log.info("staff sign in code refused")
            form.code.errors = [totp.WRONG_CODE]
    return render(request, "staff/login_code.html", {"form": form}, status_code=400)


async def logout(request: Request) -> Response:
    staff = request.scope.get("staff")
    if staff is not None:
        # Every copy of the cookie stops working, not just this browser's (ADR 0009).
        await run_in_threadpool(end_sessions, request.app.state.sessions, staff.id)
    request.session.clear()
    return see_other(request.url_for("home"))


# ---- Your account ----------------------------------------------------------------------------


@requires_role(STAFF_ROLES)
async def account(request: Request) -> Response:
    enabled = await call(request, totp.is_enabled, staff_id(request))
    return render(
        request,
        "staff/account.html",
        {"enabled": enabled, "form": CodeForm(), "flash": pop_flash(request)},
    )


@requires_role(STAFF_ROLES)
async def totp_setup(request: Request) -> Response:
    """POST without a code starts a set-up; GET shows it; POST with a code confirms it and turns it on."""
    secret_key = request.app.state.settings.secret_key
    form = CodeForm()
    status = 200
    start = False
    if request.method == "POST":
        data = await read_form(request)
        if "code" not in data:
            start = True
        else:
            form = CodeForm(data)
            if form.validate():
                try:
                    await call(request, totp.confirm_setup, staff_id(request), secret_key, form.code.data or "")
                except ValidationFailed as exc:
                    form.code.errors = [exc.errors["code"]]
                except Conflict:
                    return see_other(request.url_for("account"))
                else:
                    flash(request, "Two-step verification is on")
                    return see_other(request.url_for("account"))
            status = 400
    try:
        setup = await call(request, totp.pending_setup, staff_id(request), secret_key, start)
    except Conflict:  # already on
        return see_other(request.url_for("account"))
    if setup is None:
        return see_other(request.url_for("account"))
    if start:
        return see_other(request.url_for("totp_setup"))
    return render(
        request,
        "staff/totp_setup.html",
        {
            "form": form,
            "secret": " ".join(setup.secret[i : i + 4] for i in range(0, len(setup.secret), 4)),
            "uri": setup.uri,
            "qr": totp.qr_svg_data_uri(setup.uri),
        },
        status_code=status,
    )


@requires_role(STAFF_ROLES)
async def totp_disable(request: Request) -> Response:
    form = CodeForm(await read_form(request))
    if form.validate():
        secret_key = request.app.state.settings.secret_key
        try:
            await call(request, totp.disable, staff_id(request), secret_key, form.code.data or "")
        except ValidationFailed as exc:
            form.code.errors = [exc.errors["code"]]
        except Conflict:
            return see_other(request.url_for("account"))
        else:
            flash(request, "Two-step verification is off")
            return see_other(request.url_for("account"))
    return render(request, "staff/account.html", {"enabled": True, "form": form}, status_code=400)


routes = [
    Route("/staff/login", login, methods=["GET", "POST"], name="login"),
    Route("/staff/login/code", login_code, methods=["GET", "POST"], name="login_code"),
    Route("/staff/logout", logout, methods=["POST"], name="logout"),
    Route("/staff/account", account, name="account"),
    Route("/staff/account/two-step", totp_setup, methods=["GET", "POST"], name="totp_setup"),
    Route("/staff/account/two-step/off", totp_disable, methods=["POST"], name="totp_disable"),
]
