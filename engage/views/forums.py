"""Forums: public spaces, threads, replies and reports; staff moderation and its log."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.forms import ForumSpaceForm, ReplyForm, ThreadForm, report_form_class
from engage.models import Audience, Role
from engage.security import MANAGERS, requires_role
from engage.services import forums, responses
from engage.services.errors import Conflict, ValidationFailed
from engage.templating import render
from engage.views import guard
from engage.views.common import call, flash, is_htmx, path_int, pop_flash, read_form, see_other, staff_id

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MODERATORS = frozenset({Role.ADMIN, Role.OFFICER, Role.MODERATOR, Role.SAFEGUARDING_LEAD})


def _key(data) -> str:  # type: ignore[no-untyped-def]
    key = str(data.get("idempotency_key", ""))
    return key if _KEY.match(key) else responses.new_idempotency_key()


def _errors(form, exc: ValidationFailed) -> None:  # type: ignore[no-untyped-def]
    for name, message in exc.errors.items():
        form[name].errors = [message]


def _after_post_message(space, posted) -> str:  # type: ignore[no-untyped-def]
    if posted.visible:
        return "Your post has been published."
    return "Thank you. Your post will appear after a moderator has checked it."


async def index(request: Request) -> Response:
    items = await call(request, forums.spaces)
    return render(request, "public/forums.html", {"spaces": items})


@guard.guarded("forum thread")
async def space(request: Request) -> Response:
    slug = request.path_params["slug"]

    def load(db):  # type: ignore[no-untyped-def]
        s = forums.get_space(db, slug)
        return s, forums.threads(db, s)

    s, rows = await call(request, load)
    status = 200
    form = ThreadForm()
    key = responses.new_idempotency_key()
    if request.method == "POST":
        data = await read_form(request)
        key = _key(data)
        form = ThreadForm(data)
        if form.validate():
            try:
                posted = await call(
                    request,
                    forums.post,
                    s,
                    display_name=form.display_name.data or "",
                    text=form.text.data or "",
                    title=form.title.data or "",
                    idempotency_key=key,
                )
            except ValidationFailed as exc:
                _errors(form, exc)
            else:
                flash(request, _after_post_message(s, posted))
                if posted.visible:
                    return see_other(request.url_for("forum_thread", slug=slug, tid=posted.thread_id))
                return see_other(request.url_for("forum_space", slug=slug))
        status = 400
    return render(
        request,
        "public/forum_space.html",
        {
            "s": s,
            "threads": rows,
            "form": form,
            "idempotency_key": key,
            "flash": pop_flash(request),
            "young": s.audience == Audience.YOUNG_PERSON,
        },
        status_code=status,
    )


@guard.guarded("forum reply")
async def thread(request: Request) -> Response:
    slug, tid = request.path_params["slug"], path_int(request, "tid")

    def load(db):  # type: ignore[no-untyped-def]
        s = forums.get_space(db, slug)
        t, posts = forums.get_thread(db, s, tid)
        return s, t, posts

    s, t, posts = await call(request, load)
    status = 200
    form = ReplyForm()
    key = responses.new_idempotency_key()
    notice = pop_flash(request)
    if request.method == "POST":
        data = await read_form(request)
        key = _key(data)
        form = ReplyForm(data)
        if form.validate():
            try:
                posted = await call(
                    request,
                    forums.post,
                    s,
                    display_name=form.display_name.data or "",
                    text=form.text.data or "",
                    thread_id=tid,
                    idempotency_key=key,
                )
            except ValidationFailed as exc:
                _errors(form, exc)
            else:
                if not is_htmx(request):
                    flash(request, _after_post_message(s, posted))
                    return see_other(request.url_for("forum_thread", slug=slug, tid=tid))
                # htmx: the thread again, with the new post (or the moderation notice) and an empty form.
                s, t, posts = await call(request, load)
                form, key, notice = ReplyForm(), responses.new_idempotency_key(), _after_post_message(s, posted)
                status = 200
        if form.errors:
            status = 200 if is_htmx(request) else 400
    context = {
        "s": s,
        "t": t,
        "posts": posts,
        "form": form,
        "idempotency_key": key,
        "notice": notice,
        "young": s.audience == Audience.YOUNG_PERSON,
    }
    if is_htmx(request):
        return render(request, "public/_thread.html", context, status_code=status)
    return render(request, "public/forum_thread.html", context, status_code=status)


@guard.guarded("forum report")
async def report(request: Request) -> Response:
    slug, tid, pid = request.path_params["slug"], path_int(request, "tid"), path_int(request, "pid")

    def load(db):  # type: ignore[no-untyped-def]
        s = forums.get_space(db, slug)
        t, posts = forums.get_thread(db, s, tid)
        return s, t, next((p for p in posts if p.id == pid), None)

    s, t, p = await call(request, load)
    if p is None:
        from starlette.exceptions import HTTPException

        raise HTTPException(404, "We could not find that post")
    form_class = report_form_class(forums.REPORT_REASONS)
    if request.method == "POST":
        form = form_class(await read_form(request))
        if form.validate():
            await call(request, forums.report, pid, form.reason.data or "", form.details.data or "")
            flash(request, "Thank you for telling us. A moderator will look at the post.")
            return see_other(request.url_for("forum_thread", slug=slug, tid=tid))
        return render(request, "public/forum_report.html", {"s": s, "t": t, "p": p, "form": form}, status_code=400)
    return render(request, "public/forum_report.html", {"s": s, "t": t, "p": p, "form": form_class()})


@requires_role(MODERATORS)
async def moderation(request: Request) -> Response:
    items = await call(request, forums.queue)
    return render(request, "staff/moderation.html", {"items": items, "flash": pop_flash(request)})


@requires_role(MODERATORS)
async def moderate(request: Request) -> Response:
    data = await read_form(request)
    try:
        await call(
            request,
            forums.moderate,
            staff_id(request),
            path_int(request, "pid"),
            str(data.get("action", "")),
            str(data.get("reason", "")),
        )
    except (ValidationFailed, Conflict) as exc:
        from starlette.exceptions import HTTPException

        raise HTTPException(400, str(exc)) from None
    flash(request, "Post approved." if data.get("action") == "approve" else "Post hidden. The reason is in the log.")
    return see_other(request.url_for("moderation"))


@requires_role(MODERATORS)
async def moderation_log(request: Request) -> Response:
    body = await call(request, forums.moderation_log_csv)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="moderation-log.csv"'},
    )


@requires_role(MANAGERS)
async def staff_spaces(request: Request) -> Response:
    form = ForumSpaceForm()
    status = 200
    if request.method == "POST":
        form = ForumSpaceForm(await read_form(request))
        if form.validate():
            try:
                await call(
                    request,
                    forums.add_space,
                    staff_id(request),
                    form.name.data or "",
                    form.description.data or "",
                    Audience(form.audience.data),
                    bool(form.premoderated.data),
                )
            except ValidationFailed as exc:
                _errors(form, exc)
            else:
                flash(request, f"Space added: {form.name.data}")
                return see_other(request.url_for("staff_forum_spaces"))
        status = 400
    items = await call(request, forums.spaces)
    return render(
        request,
        "staff/forum_spaces.html",
        {"spaces": items, "form": form, "flash": pop_flash(request)},
        status_code=status,
    )


routes = [
    Route("/staff/forums", staff_spaces, methods=["GET", "POST"], name="staff_forum_spaces"),
    Route("/forums", index, name="forums"),
    Route("/forums/{slug:str}", space, methods=["GET", "POST"], name="forum_space"),
    Route("/forums/{slug:str}/{tid:int}", thread, methods=["GET", "POST"], name="forum_thread"),
    Route("/forums/{slug:str}/{tid:int}/posts/{pid:int}/report", report, methods=["GET", "POST"], name="report_post"),
    Route("/staff/moderation", moderation, name="moderation"),
    Route("/staff/moderation/posts/{pid:int}", moderate, methods=["POST"], name="moderate_post"),
    Route("/staff/moderation/log.csv", moderation_log, name="moderation_log"),
]
