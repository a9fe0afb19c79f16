"""Equality insight and representativeness pages, and the census figures behind them."""

from __future__ import annotations

import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage import csvsafe
from engage.security import MANAGERS, STAFF_ROLES, requires_role
from engage.services import audit, consultations, insight
from engage.services.errors import ValidationFailed
from engage.templating import render
from engage.views.common import call, flash, path_int, pop_flash, read_form, see_other, staff_id


@requires_role(STAFF_ROLES)
async def question_insight(request: Request) -> Response:
    qid = path_int(request, "qid")

    def load(db):  # type: ignore[no-untyped-def]
        data = insight.insight(db, qid)
        return data, consultations.get(db, data.consultation.id)

    data, c = await call(request, load)
    return render(request, "staff/insight.html", {"i": data, "c": c})


def cell_text(cell: insight.Cell) -> str:
    if cell.suppressed == "primary":
        return "fewer than 10"
    if cell.suppressed:
        return "hidden to protect a small group"
    assert cell.share is not None and cell.low is not None and cell.high is not None
    return f"{cell.count} ({cell.share:.0%}, 95% CI {cell.low:.0%} to {cell.high:.0%})"


@requires_role(STAFF_ROLES)
async def insight_csv(request: Request) -> Response:
    qid = path_int(request, "qid")

    def load(db):  # type: ignore[no-untyped-def]
        data = insight.insight(db, qid)
        audit.record(db, staff_id(request), "export.insight_csv", "question", qid)
        db.commit()
        return data

    data = await call(request, load, writes=True)
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(["dimension", "group", "people", *data.tables[0].themes] if data.tables else [])
    for table in data.tables:
        for row in table.rows:
            writer.writerow([table.title, row.label, cell_text(row.total), *[cell_text(c) for c in row.cells]])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="insight-question-{qid}.csv"'},
    )


@requires_role(STAFF_ROLES)
async def representation(request: Request) -> Response:
    cid = path_int(request, "id")

    def load(db):  # type: ignore[no-untyped-def]
        return consultations.get(db, cid), insight.representation(db, cid)

    c, rows = await call(request, load)
    return render(request, "staff/representation.html", {"c": c, "tables": rows})


@requires_role(STAFF_ROLES)
async def population(request: Request) -> Response:
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.scope["staff"].role not in MANAGERS:
            from starlette.exceptions import HTTPException

            raise HTTPException(403, "You do not have permission to do that")
        data = await read_form(request)
        values = {}
        for name, value in data.multi_items():
            if name.startswith("share:") and name.count(":") >= 2:
                _, dim, cat = name.split(":", 2)
                values[(dim, cat)] = str(value)[:20]
        try:
            await call(request, insight.save_population, staff_id(request), values, str(data.get("source", "")))
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            flash(request, "Population figures saved.")
            return see_other(request.url_for("population"))
    table = await call(request, insight.population)
    return render(
        request,
        "staff/population.html",
        {"table": table, "errors": errors, "flash": pop_flash(request), "dims": insight.POPULATION_DIMENSIONS},
        status_code=400 if errors else 200,
    )


routes = [
    Route("/staff/questions/{qid:int}/insight", question_insight, name="insight"),
    Route("/staff/questions/{qid:int}/insight.csv", insight_csv, name="insight_csv"),
    Route("/staff/consultations/{id:int}/representation", representation, name="representation"),
    Route("/staff/population", population, methods=["GET", "POST"], name="population"),
]
