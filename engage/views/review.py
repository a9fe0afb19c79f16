"""The review workspace: the theme board, the comment list beside it, proposals and the flag queue.

Every action is a plain form POST that redirects back (JavaScript off) or, for htmx, answers with
just the parts of the page that changed: the main fragment plus out-of-band swaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.models import Role
from engage.security import MANAGERS, STAFF_ROLES, requires_role
from engage.services import comments, consultations, review
from engage.services.errors import Conflict, NotFound, ValidationFailed
from engage.templating import render
from engage.views.common import call, flash, is_htmx, path_int, pop_flash, read_form, see_other, staff_id

NOTE_ROLES = MANAGERS | {Role.COALITION_MEMBER}
PROPOSER_ROLES = frozenset({Role.COALITION_MEMBER})
MODERATION_ROLES = frozenset({Role.MODERATOR, Role.SAFEGUARDING_LEAD, Role.ADMIN})


def _role(request: Request) -> Role:
    return Role(request.scope["staff"].role)


def _int(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


def _ints(data: FormData, name: str) -> list[int]:
    return [i for i in (_int(v) for v in data.getlist(name)) if i is not None]


def _back(data: FormData, qid: int) -> str:
    """Where a no-JavaScript form goes back to: the board (with its filters), never anywhere else."""
    url = str(data.get("next", ""))
    prefix = f"/staff/questions/{qid}/"
    if url.startswith(prefix) and "//" not in url and "\\" not in url:
        return url
    return f"/staff/questions/{qid}/board"


def _filters_from_next(request: Request, data: FormData, qid: int) -> tuple[comments.Filters, str]:
    from urllib.parse import parse_qsl, urlsplit

    back = _back(data, qid)
    params = dict(parse_qsl(urlsplit(back).query))
    return comments.parse_filters(params, _role(request)), back


# ---- Pages -------------------------------------------------------------------------------------


async def _workspace(
    request: Request, qid: int, *, fragment: str | None = None, status_code: int = 200, error: str | None = None
) -> Response:
    role = _role(request)
    filters = comments.parse_filters(request.query_params, role)
    cursor = _int(request.query_params.get("after"))
    see = comments.can_see_safeguarding(role)

    def load(db):  # type: ignore[no-untyped-def]
        b = review.board(db, qid, can_see_safeguarding=see)
        c = consultations.get(db, b.consultation.id)
        return (
            b,
            c,
            comments.list_comments(db, qid, filters, role, cursor),
            review.theme_options(db, qid),
            review.history(db, qid, 10),
        )

    if fragment == "staff/_comments.html" and is_htmx(request):
        # Only the comment list changes: skip the board's counts, the costly part at scale.
        def load_list(db):  # type: ignore[no-untyped-def]
            return (
                review.get_question(db, qid),
                comments.list_comments(db, qid, filters, role, cursor),
                review.theme_options(db, qid),
            )

        question, page, options = await call(request, load_list)
        context = {
            "b": {"question": question},
            "page": page,
            "options": options,
            "here": _here(request),
            "comment_query": page.filters.query_items(),
        }
        return render(request, fragment, context)

    b, c, page, options, history = await call(request, load)
    error = error or request.session.pop("board_error", None)
    context = {
        "b": b,
        "c": c,
        "page": page,
        "options": options,
        "history": history,
        "error": error,
        "flash": pop_flash(request),
        "here": _here(request),
        "Role": Role,
        "comment_query": page.filters.query_items(),
    }
    if fragment and is_htmx(request):
        return render(request, fragment, context, status_code=status_code)
    return render(request, "staff/board.html", context, status_code=status_code)


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


@requires_role(STAFF_ROLES)
async def first_board(request: Request) -> Response:
    c = await call(request, consultations.get, path_int(request, "id"))
    free = [q for q in c.questions if q.kind == "free_text"]
    if not free:
        raise HTTPException(404, "This consultation has no free-text questions")
    return see_other(request.url_for("board", qid=free[0].id))


@requires_role(STAFF_ROLES)
async def board(request: Request) -> Response:
    return await _workspace(request, path_int(request, "qid"), fragment="staff/_board.html")


@requires_role(STAFF_ROLES)
async def comment_list(request: Request) -> Response:
    return await _workspace(request, path_int(request, "qid"), fragment="staff/_comments.html")


# ---- Edits -------------------------------------------------------------------------------------


async def _after_edit(
    request: Request,
    data: FormData,
    qid: int,
    *,
    main: str,
    theme_ids: Sequence[int] = (),
    answer_id: int | None = None,
    message: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """JavaScript off: back to the board with a message. htmx: the changed parts only."""
    if not is_htmx(request):
        if error:
            request.session["board_error"] = error  # shown as an error, not a success banner
        elif message:
            flash(request, message)
        return see_other(_back(data, qid))
    role = _role(request)
    see = comments.can_see_safeguarding(role)
    filters, back = _filters_from_next(request, data, qid)

    def load(db):  # type: ignore[no-untyped-def]
        b = review.board(db, qid, can_see_safeguarding=see)
        out: dict[str, Any] = {"b": b, "options": review.theme_options(db, qid)}
        if main in ("staff/_board.html",):
            out["page"] = comments.list_comments(db, qid, filters, role)
            out["history"] = review.history(db, qid, 10)
        if answer_id is not None:
            try:
                out["row"] = comments.comment(db, answer_id, role)
            except NotFound:  # gone, or withheld from this role: nothing to show
                out["row"] = None
        return out

    loaded = await call(request, load)
    cards = {card.id: card for card in loaded["b"].cards}
    context = {
        **loaded,
        "main": main,
        "oob_cards": [cards[t] for t in theme_ids if t in cards] if main == "staff/_comment.html" else [],
        "card": cards.get(theme_ids[0]) if theme_ids else None,
        "here": back,
        "Role": Role,
        "error": error,
        "comment_query": filters.query_items(),
        "message": message,
    }
    return render(request, "staff/_edit_response.html", context, status_code=status_code)


async def _run(request: Request, fn: Any, *args: Any) -> tuple[Any, str | None]:
    try:
        return await call(request, fn, staff_id(request), *args), None
    except ValidationFailed as exc:
        return None, str(exc)
    except Conflict as exc:
        return None, str(exc)


@requires_role(MANAGERS)
async def rename(request: Request) -> Response:
    data = await read_form(request)
    tid = path_int(request, "tid")
    theme, error = await _run(request, review.rename, tid, str(data.get("name", "")), data.get("description"))
    qid = _int(data.get("question")) or (theme.question_id if theme else 0)
    return await _after_edit(
        request,
        data,
        qid,
        main="staff/_card.html",
        theme_ids=[tid],
        message="Theme renamed.",
        error=error,
        status_code=400 if error else 200,
    )


@requires_role(MANAGERS)
async def create(request: Request) -> Response:
    data = await read_form(request)
    qid = path_int(request, "qid")
    _, error = await _run(
        request,
        review.create,
        qid,
        str(data.get("name", "")),
        str(data.get("description", "")),
        _ints(data, "answer_ids"),
    )
    return await _after_edit(
        request,
        data,
        qid,
        main="staff/_board.html",
        message="Theme created.",
        error=error,
        status_code=400 if error else 200,
    )


@requires_role(MANAGERS)
async def delete(request: Request) -> Response:
    data = await read_form(request)
    qid = _int(data.get("question")) or 0
    _, error = await _run(request, review.remove, path_int(request, "tid"))
    return await _after_edit(request, data, qid, main="staff/_board.html", message="Theme deleted.", error=error)


@requires_role(MANAGERS)
async def merge(request: Request) -> Response:
    data = await read_form(request)
    qid = path_int(request, "qid")
    _, error = await _run(request, review.merge, _ints(data, "theme_ids"), str(data.get("name", "")))
    return await _after_edit(
        request,
        data,
        qid,
        main="staff/_board.html",
        message="Themes merged.",
        error=error,
        status_code=400 if error else 200,
    )


@requires_role(MANAGERS)
async def split(request: Request) -> Response:
    data = await read_form(request)
    qid = _int(data.get("question")) or 0
    _, error = await _run(
        request, review.split, path_int(request, "tid"), _ints(data, "answer_ids"), str(data.get("name", ""))
    )
    return await _after_edit(
        request,
        data,
        qid,
        main="staff/_board.html",
        message="Theme split.",
        error=error,
        status_code=400 if error else 200,
    )


async def _comment_edit(request: Request, fn: Any, *args: Any, message: str, theme_ids: list[int]) -> Response:
    data = await read_form(request)
    aid = path_int(request, "aid")
    qid = _int(data.get("question")) or 0
    _, error = await _run(request, fn, aid, *args)
    return await _after_edit(
        request,
        data,
        qid,
        main="staff/_comment.html",
        theme_ids=[t for t in theme_ids if t],
        answer_id=aid,
        message=message,
        error=error,
        status_code=409 if error else 200,
    )


@requires_role(MANAGERS)
async def move(request: Request) -> Response:
    data = await read_form(request)
    src, dst = _int(data.get("from")), _int(data.get("to"))
    if dst is None:
        raise HTTPException(400, "Choose the theme to move the comment to")
    return await _comment_edit(request, review.move, src, dst, message="Comment moved.", theme_ids=[dst, src or 0])


@requires_role(MANAGERS)
async def confirm(request: Request) -> Response:
    tid = _int((await read_form(request)).get("theme"))
    if tid is None:
        raise HTTPException(400, "Choose a theme")
    return await _comment_edit(request, review.confirm, tid, message="Theme confirmed.", theme_ids=[tid])


@requires_role(MANAGERS)
async def reject(request: Request) -> Response:
    tid = _int((await read_form(request)).get("theme"))
    if tid is None:
        raise HTTPException(400, "Choose a theme")
    return await _comment_edit(request, review.reject, tid, message="Comment taken out of the theme.", theme_ids=[tid])


@requires_role(MANAGERS)
async def undo(request: Request) -> Response:
    data = await read_form(request)
    qid = path_int(request, "qid")
    _, error = await _run(request, review.undo_last, qid, _int(data.get("edit")))
    return await _after_edit(
        request,
        data,
        qid,
        main="staff/_board.html",
        message="Change undone.",
        error=error,
        status_code=409 if error else 200,
    )


@requires_role(MANAGERS)
async def sign_off(request: Request) -> Response:
    data = await read_form(request)
    tid = path_int(request, "tid")
    signed = data.get("signed", "yes") == "yes"
    _, error = await _run(request, review.sign_off, tid, signed)
    return await _after_edit(
        request,
        data,
        _int(data.get("question")) or 0,
        main="staff/_card.html",
        theme_ids=[tid],
        message="Theme signed off." if signed else "Sign-off withdrawn.",
        error=error,
    )


@requires_role(NOTE_ROLES)
async def add_note(request: Request) -> Response:
    data = await read_form(request)
    tid = path_int(request, "tid")
    _, error = await _run(request, review.add_note, tid, str(data.get("body", "")))
    return await _after_edit(
        request,
        data,
        _int(data.get("question")) or 0,
        main="staff/_card.html",
        theme_ids=[tid],
        message="Comment added.",
        error=error,
        status_code=400 if error else 200,
    )


@requires_role(PROPOSER_ROLES)
async def propose(request: Request) -> Response:
    data = await read_form(request)
    qid = path_int(request, "qid")
    _, error = await _run(
        request,
        review.propose,
        qid,
        str(data.get("kind", "")),
        _ints(data, "theme_ids"),
        str(data.get("name", "")),
        str(data.get("reason", "")),
    )
    return await _after_edit(
        request,
        data,
        qid,
        main="staff/_board.html",
        message="Proposal sent to the officers.",
        error=error,
        status_code=400 if error else 200,
    )


@requires_role(MANAGERS)
async def decide(request: Request) -> Response:
    data = await read_form(request)
    accept = data.get("decision") == "accept"
    _, error = await _run(request, review.decide, path_int(request, "pid"), accept)
    return await _after_edit(
        request,
        data,
        _int(data.get("question")) or 0,
        main="staff/_board.html",
        message="Proposal accepted." if accept else "Proposal rejected.",
        error=error,
        status_code=409 if error else 200,
    )


# ---- Flag queue ----------------------------------------------------------------------------------


@requires_role(MODERATION_ROLES)
async def flags(request: Request) -> Response:
    cid = path_int(request, "id")
    role = _role(request)
    include_reviewed = request.query_params.get("show") == "all"

    def load(db):  # type: ignore[no-untyped-def]
        return consultations.get(db, cid), comments.flag_queue(db, cid, role, include_reviewed)

    c, items = await call(request, load)
    return render(
        request,
        "staff/flags.html",
        {"c": c, "items": items, "flash": pop_flash(request), "include_reviewed": include_reviewed},
    )


@requires_role(MODERATION_ROLES)
async def moderate(request: Request) -> Response:
    cid = path_int(request, "id")
    aid = path_int(request, "aid")
    data = await read_form(request)
    role = _role(request)
    _, error = await _run(
        request, comments.moderate, role, aid, str(data.get("action", "")), str(data.get("reason", "")), cid
    )
    if is_htmx(request) and not error:

        def load(db):  # type: ignore[no-untyped-def]
            return comments.comment(db, aid, role)

        row = await call(request, load)
        return render(request, "staff/_flag_item.html", {"item": comments.QueueItem(row, ""), "c": {"id": cid}})
    flash(request, error or "Decision saved.")
    back = f"/staff/consultations/{cid}/flags"
    return see_other(back)


routes = [
    Route("/staff/consultations/{id:int}/board", first_board, name="first_board"),
    Route("/staff/questions/{qid:int}/board", board, name="board"),
    Route("/staff/questions/{qid:int}/comments", comment_list, name="comment_list"),
    Route("/staff/questions/{qid:int}/themes", create, methods=["POST"], name="create_theme"),
    Route("/staff/questions/{qid:int}/merge", merge, methods=["POST"], name="merge_themes"),
    Route("/staff/questions/{qid:int}/undo", undo, methods=["POST"], name="undo_edit"),
    Route("/staff/questions/{qid:int}/proposals", propose, methods=["POST"], name="propose"),
    Route("/staff/themes/{tid:int}/rename", rename, methods=["POST"], name="rename_theme"),
    Route("/staff/themes/{tid:int}/delete", delete, methods=["POST"], name="delete_theme"),
    Route("/staff/themes/{tid:int}/split", split, methods=["POST"], name="split_theme"),
    Route("/staff/themes/{tid:int}/signoff", sign_off, methods=["POST"], name="sign_off"),
    Route("/staff/themes/{tid:int}/notes", add_note, methods=["POST"], name="add_note"),
    Route("/staff/answers/{aid:int}/move", move, methods=["POST"], name="move_comment"),
    Route("/staff/answers/{aid:int}/confirm", confirm, methods=["POST"], name="confirm_comment"),
    Route("/staff/answers/{aid:int}/reject", reject, methods=["POST"], name="reject_comment"),
    Route("/staff/proposals/{pid:int}/decide", decide, methods=["POST"], name="decide_proposal"),
    Route("/staff/consultations/{id:int}/flags", flags, name="flags"),
    Route("/staff/consultations/{id:int}/flags/{aid:int}", moderate, methods=["POST"], name="moderate"),
]
