"""Officers import transcribed paper responses and workshop notes (CSV or Excel).

Upload → match columns to questions → a worker checks every row (progress bar) → preview with
per-row errors → confirm → a worker imports in batches (progress bar). Nothing runs in a request
except reading the header.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.forms import ImportForm
from engage.models import Audience, Channel, ImportJob, ImportStatus
from engage.security import MANAGERS, requires_role
from engage.services import consultations, imports
from engage.services.errors import Conflict, ValidationFailed
from engage.templating import render
from engage.views.common import (
    call,
    flash,
    is_htmx,
    path_int,
    pop_flash,
    read_form,
    read_upload_form,
    see_other,
    staff_id,
)


@requires_role(MANAGERS)
async def upload(request: Request) -> Response:
    cid = path_int(request, "id")

    def load(db):  # type: ignore[no-untyped-def]
        return consultations.get(db, cid), imports.list_jobs(db, cid)

    file_error = None
    if request.method == "POST":
        data, filename, content = await read_upload_form(request, imports.MAX_FILE_BYTES)
        form = ImportForm(data)
        if not filename:
            file_error = "Select a CSV or Excel file"
        if form.validate() and file_error is None:
            try:
                # Read in a separate process, before any transaction: a hostile file cannot hold
                # the database's write lock or the web process's memory (imports.read_header_isolated).
                _fmt, columns = await run_in_threadpool(imports.read_header_isolated, content, filename)
                job = await call(
                    request,
                    imports.upload,
                    staff_id(request),
                    cid,
                    filename=filename,
                    content=content,
                    channel=Channel(form.channel.data),
                    audience=Audience(form.audience.data),
                    held_on=form.held_on.data,
                    place=form.place.data or "",
                    facilitator=form.facilitator.data or "",
                    columns=columns,
                )
            except ValidationFailed as exc:
                file_error = exc.errors.get("file") or "; ".join(exc.errors.values())
            else:
                return see_other(request.url_for("staff_import_columns", job=job.id))
        status = 400
    else:
        form = ImportForm(data={"channel": "paper", "audience": "resident"})
        status = 200
    c, jobs = await call(request, load)
    return render(
        request,
        "staff/imports.html",
        {"c": c, "jobs": jobs, "form": form, "file_error": file_error, "flash": pop_flash(request)},
        status_code=status,
    )


def _guess(question_text: str, columns: list[str]) -> str:
    """Pre-select a column whose heading is the question (or starts it)."""
    q = question_text.strip().lower().rstrip("?")
    for col in columns:
        name = col.strip().lower().rstrip("?")
        if name and (name == q or q.startswith(name) or name.startswith(q)):
            return col
    return ""


@requires_role(MANAGERS)
async def columns(request: Request) -> Response:
    jid = path_int(request, "job")

    def load(db):  # type: ignore[no-untyped-def]
        job = imports.get_job(db, jid)
        return job, consultations.get(db, job.consultation_id), imports.earlier_import(db, job)

    job, c, earlier = await call(request, load)
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = await read_form(request)
        chosen = {q.id: str(data.get(f"q{q.id}", "")) for q in c.questions}
        audience_column = str(data.get("audience_column", ""))
        try:
            await call(request, imports.save_mapping, staff_id(request), jid, chosen, audience_column)
        except ValidationFailed as exc:
            errors = exc.errors
        except Conflict as exc:
            errors = {"mapping": str(exc)}
        else:
            request.app.state.worker.wake.set()
            return see_other(request.url_for("staff_import", job=jid))
    else:
        saved = job.mapping.get("questions", {})
        chosen = {q.id: saved.get(str(q.id), _guess(q.text, job.columns)) for q in c.questions}
        audience_column = job.mapping.get("audience", "")
    return render(
        request,
        "staff/import_columns.html",
        {
            "c": c,
            "job": job,
            "chosen": chosen,
            "audience_column": audience_column,
            "errors": errors,
            "earlier": earlier,
        },
        status_code=400 if errors else 200,
    )


def _load_job(jid: int):  # type: ignore[no-untyped-def]
    def load(db):  # type: ignore[no-untyped-def]
        job = imports.get_job(db, jid)
        return job, consultations.get(db, job.consultation_id), imports.session_of(db, job)

    return load


@requires_role(MANAGERS)
async def job_page(request: Request) -> Response:
    job, c, session = await call(request, _load_job(path_int(request, "job")))
    context = {"c": c, "job": job, "session": session, "S": ImportStatus, "notice": pop_flash(request)}
    if is_htmx(request):
        return render(request, "staff/_import.html", context)
    return render(request, "staff/import.html", context)


@requires_role(MANAGERS)
async def confirm(request: Request) -> Response:
    jid = path_int(request, "job")
    try:
        await call(request, imports.confirm, staff_id(request), jid)
    except Conflict as exc:
        flash(request, str(exc))
    request.app.state.worker.wake.set()
    if is_htmx(request):
        return await job_page(request)
    return see_other(request.url_for("staff_import", job=jid))


routes = [
    Route("/staff/consultations/{id:int}/imports", upload, methods=["GET", "POST"], name="staff_imports"),
    Route("/staff/imports/{job:int}", job_page, name="staff_import"),
    Route("/staff/imports/{job:int}/columns", columns, methods=["GET", "POST"], name="staff_import_columns"),
    Route("/staff/imports/{job:int}/confirm", confirm, methods=["POST"], name="staff_import_confirm"),
]

__all__ = ["ImportJob", "routes"]
