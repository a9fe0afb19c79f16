"""Closing the loop: commitments, exports and the print-ready report."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.security import MANAGERS, STAFF_ROLES, requires_role
from engage.services import audit, comments, commitments, consultations, exports, theming
from engage.services.errors import ValidationFailed
from engage.templating import render
from engage.views.common import call, flash, is_htmx, path_int, pop_flash, read_form, see_other, staff_id


async def _commitments_page(
    request: Request, errors: dict[str, str] | None = None, values: dict | None = None
) -> Response:
    cid = path_int(request, "id")

    def load(db):  # type: ignore[no-untyped-def]
        c = consultations.get(db, cid)
        return c, commitments.for_consultation(db, cid), theming.question_themes(db, c)

    c, items, questions = await call(request, load)
    return render(
        request,
        "staff/commitments.html",
        {
            "c": c,
            "items": items,
            "questions": questions,
            "errors": errors or {},
            "values": values or {},
            "flash": pop_flash(request),
            "statuses": commitments.LABELS,
        },
        status_code=400 if errors else 200,
    )


@requires_role(STAFF_ROLES)
async def commitment_list(request: Request) -> Response:
    if request.method == "POST":
        if request.scope["staff"].role not in MANAGERS:
            from starlette.exceptions import HTTPException

            raise HTTPException(403, "You do not have permission to do that")
        data = await read_form(request)
        theme = str(data.get("theme", ""))
        values = {k: str(data.get(k, "")) for k in ("title", "owner", "due_on", "theme")}
        try:
            await call(
                request,
                commitments.create,
                staff_id(request),
                path_int(request, "id"),
                values["title"],
                values["owner"],
                values["due_on"],
                int(theme) if theme.isdigit() and len(theme) < 12 else None,
            )
        except ValidationFailed as exc:
            return await _commitments_page(request, exc.errors, values)
        flash(request, "Commitment added.")
        return see_other(request.url_for("staff_commitments", id=path_int(request, "id")))
    return await _commitments_page(request)


@requires_role(MANAGERS)
async def commitment_status(request: Request) -> Response:
    data = await read_form(request)
    kid = path_int(request, "kid")
    error = None
    try:
        await call(
            request,
            commitments.change_status,
            staff_id(request),
            kid,
            str(data.get("status", "")),
            str(data.get("note", "")),
        )
    except ValidationFailed as exc:
        error = str(exc)
    item = await call(request, commitments.get, kid)
    if is_htmx(request):
        return render(
            request,
            "staff/_commitment.html",
            {"item": item, "error": error, "statuses": commitments.LABELS},
            status_code=400 if error else 200,
        )
    flash(request, error or "Status updated.")
    return see_other(request.url_for("staff_commitments", id=item.commitment.consultation_id))


@requires_role(MANAGERS)
async def export(request: Request) -> Response:
    cid = path_int(request, "id")
    fmt = request.path_params["fmt"]
    if fmt not in ("json", "themes.csv", "comments.csv"):
        from starlette.exceptions import HTTPException

        raise HTTPException(404, "We could not find that page")

    def load(db):  # type: ignore[no-untyped-def]
        data = exports.export_review(db, cid)
        audit.record(
            db, staff_id(request), "export.review", "consultation", cid, format=fmt, comments=len(data["comments"])
        )
        db.commit()
        return data

    data = await call(request, load, writes=True)
    slug = data["consultation"]["slug"]
    if fmt == "json":
        return Response(
            json.dumps(data, ensure_ascii=False, indent=2),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{slug}-review.json"'},
        )
    part = fmt.split(".")[0]
    return Response(
        exports.review_csv(data, part),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{slug}-{part}.csv"'},
    )


@requires_role(STAFF_ROLES)
async def report(request: Request) -> Response:
    cid = path_int(request, "id")

    def load(db):  # type: ignore[no-untyped-def]
        c = consultations.get(db, cid)
        return (
            c,
            comments.publishable_themes(db, c),
            theming.choice_tallies(db, c),
            commitments.for_consultation(db, cid),
        )

    c, questions, tallies, items = await call(request, load)
    return render(
        request,
        "staff/report.html",
        {"c": c, "questions": questions, "tallies": tallies, "items": items, "statuses": commitments.LABELS},
    )


routes = [
    Route(
        "/staff/consultations/{id:int}/commitments", commitment_list, methods=["GET", "POST"], name="staff_commitments"
    ),
    Route("/staff/commitments/{kid:int}/status", commitment_status, methods=["POST"], name="commitment_status"),
    Route("/staff/consultations/{id:int}/export.{fmt:str}", export, name="review_export"),
    Route("/staff/consultations/{id:int}/report", report, name="report"),
]
