"""Staff accounts, managed by administrators in the browser: add someone (with a set-up link shown
once), change a role, deactivate or reactivate, reset a password or two-step verification. Every
change is in the audit log. The set-up page is where the person chooses their own password."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.forms import InviteForm, RoleForm, SetPasswordForm
from engage.labels import ROLE
from engage.models import Role, StaffUser
from engage.security import requires_role
from engage.services import users
from engage.services.errors import Conflict, ValidationFailed
from engage.templating import render
from engage.views.common import call, flash, path_int, pop_flash, read_form, see_other, staff_id

ADMINS = frozenset({Role.ADMIN})


def _setup_url(request: Request, user: StaffUser) -> str:
    # The token goes in the query string: the access log records paths only (middleware.AccessLogMiddleware).
    token = users.setup_token(request.app.state.settings.secret_key, user)
    return str(request.url_for("staff_set_up").include_query_params(token=token))


def _link_page(request: Request, user: StaffUser, heading: str) -> Response:
    """The set-up link, shown this once: it is not stored, and the page is never cached."""
    return render(
        request, "staff/user_link.html", {"user": user, "link": _setup_url(request, user), "heading": heading}
    )


@requires_role(ADMINS)
async def staff_list(request: Request) -> Response:
    rows = await call(request, users.list_staff)
    return render(request, "staff/users.html", {"rows": rows, "flash": pop_flash(request)})


@requires_role(ADMINS)
async def invite(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "staff/user_invite.html", {"form": InviteForm()})
    form = InviteForm(await read_form(request))
    if form.validate():
        try:
            user = await call(
                request,
                users.invite,
                staff_id(request),
                form.email.data or "",
                form.display_name.data or "",
                Role(form.role.data),
            )
        except ValidationFailed as exc:
            for name, message in exc.errors.items():
                form[name].errors = [message]
        else:
            return _link_page(request, user, "Account added")
    return render(request, "staff/user_invite.html", {"form": form}, status_code=400)


async def _detail(
    request: Request, role_form: RoleForm | None = None, error: str | None = None, status_code: int = 200
) -> Response:
    row = await call(request, users.get_staff, path_int(request, "uid"), writes=False)
    form = role_form or RoleForm(data={"role": row.user.role.value})
    return render(
        request,
        "staff/user.html",
        {
            "row": row,
            "form": form,
            "error": error,
            "is_self": row.user.id == staff_id(request),
            "flash": pop_flash(request),
        },
        status_code=status_code,
    )


@requires_role(ADMINS)
async def detail(request: Request) -> Response:
    return await _detail(request)


@requires_role(ADMINS)
async def change_role(request: Request) -> Response:
    form = RoleForm(await read_form(request))
    if not form.validate():
        return await _detail(request, form, status_code=400)
    try:
        user = await call(request, users.change_role, staff_id(request), path_int(request, "uid"), Role(form.role.data))
    except Conflict as exc:
        return await _detail(request, form, str(exc), 409)
    flash(request, f"{user.display_name}'s role is now {ROLE[user.role]}.")
    return see_other(request.url_for("staff_user", uid=user.id))


async def _action(request: Request, fn, message: str) -> Response:  # type: ignore[no-untyped-def]
    try:
        user = await call(request, fn, staff_id(request), path_int(request, "uid"))
    except Conflict as exc:
        return await _detail(request, error=str(exc), status_code=409)
    flash(request, message.format(name=user.display_name))
    return see_other(request.url_for("staff_user", uid=user.id))


@requires_role(ADMINS)
async def deactivate(request: Request) -> Response:
    def work(db, actor, uid):  # type: ignore[no-untyped-def]
        return users.set_active(db, actor, uid, False)

    return await _action(request, work, "{name} can no longer sign in. Nothing they did has been deleted.")


@requires_role(ADMINS)
async def reactivate(request: Request) -> Response:
    def work(db, actor, uid):  # type: ignore[no-untyped-def]
        return users.set_active(db, actor, uid, True)

    return await _action(request, work, "{name} can sign in again.")


@requires_role(ADMINS)
async def reset_two_step(request: Request) -> Response:
    return await _action(
        request,
        users.reset_two_step,
        "Two-step verification is off for {name}. They sign in with their password, and can set it up again.",
    )


@requires_role(ADMINS)
async def reset_password(request: Request) -> Response:
    try:
        user = await call(request, users.reset_password, staff_id(request), path_int(request, "uid"))
    except Conflict as exc:
        return await _detail(request, error=str(exc), status_code=409)
    return _link_page(request, user, "New set-up link")


# ---- The person's side: choosing a password ---------------------------------------------------


async def set_up(request: Request) -> Response:
    """Anyone with a valid link (no sign in): the link is the credential, for 7 days and one use."""
    secret_key = request.app.state.settings.secret_key
    if request.method == "POST":
        data = await read_form(request)
        token = str(data.get("token", ""))
        form = SetPasswordForm(data)
    else:
        token = request.query_params.get("token", "")
        form = SetPasswordForm()
    try:
        user = await call(request, users.user_for_token, secret_key, token, writes=False)
    except Conflict as exc:
        # 200 rather than an error status: the page itself is fine, only the link is not.
        return render(request, "staff/set_up.html", {"invalid": str(exc), "form": form, "token": ""})
    if request.method == "POST" and form.validate():
        try:
            await call(request, users.set_password, secret_key, token, form.password.data or "")
        except ValidationFailed as exc:
            form.password.errors = list(exc.errors.values())
        except Conflict as exc:
            return render(request, "staff/set_up.html", {"invalid": str(exc), "form": form, "token": ""})
        else:
            return render(request, "staff/set_up.html", {"done": True, "form": form, "token": "", "user": user})
    return render(
        request,
        "staff/set_up.html",
        {"form": form, "token": token, "user": user},
        status_code=400 if form.errors else 200,
    )


routes = [
    Route("/staff/users", staff_list, name="staff_users"),
    Route("/staff/users/new", invite, methods=["GET", "POST"], name="staff_invite"),
    Route("/staff/users/{uid:int}", detail, name="staff_user"),
    Route("/staff/users/{uid:int}/role", change_role, methods=["POST"], name="staff_user_role"),
    Route("/staff/users/{uid:int}/deactivate", deactivate, methods=["POST"], name="staff_user_deactivate"),
    Route("/staff/users/{uid:int}/reactivate", reactivate, methods=["POST"], name="staff_user_reactivate"),
    Route("/staff/users/{uid:int}/two-step/reset", reset_two_step, methods=["POST"], name="staff_user_two_step"),
    Route("/staff/users/{uid:int}/password/reset", reset_password, methods=["POST"], name="staff_user_password"),
    Route("/staff/set-up", set_up, methods=["GET", "POST"], name="staff_set_up"),
]
