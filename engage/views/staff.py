"""Staff pages: consultations and questions, responses, theming, review and publishing."""

from __future__ import annotations

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.forms import ConsultationForm, QuestionForm, response_form_for
from engage.labels import STATUS
from engage.models import QuestionKind, Role, Status
from engage.security import MANAGERS, STAFF_ROLES, requires_role
from engage.services import consultations, notify, responses, run_summary, theming
from engage.services.errors import Conflict, ValidationFailed
from engage.templating import render
from engage.views.common import call, flash, is_htmx, path_int, pop_flash, read_form, see_other, staff_id


@requires_role(STAFF_ROLES)
async def dashboard(request: Request) -> Response:
    rows = await call(request, consultations.staff_list)
    manages_staff = request.scope["staff"].role == Role.ADMIN  # as views.users allows
    return render(
        request, "staff/dashboard.html", {"rows": rows, "flash": pop_flash(request), "manages_staff": manages_staff}
    )


def _consultation_data(form: ConsultationForm) -> dict[str, object]:
    return {
        "title": form.title.data,
        "slug": form.slug.data,
        "summary": form.summary.data,
        "body": form.body.data,
        "audiences": form.audiences.data,
        "young_people": bool(form.young_people.data),
        "one_question_per_page": bool(form.one_question_per_page.data),
        "kind": form.kind.data if form.kind.data in ("consultation", "proposals") else "consultation",
        "opens_on": form.opens_on.data,
        "closes_on": form.closes_on.data,
    }


@requires_role(MANAGERS)
async def new_consultation(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "staff/consultation_form.html", {"form": ConsultationForm(), "c": None})
    form = ConsultationForm(await read_form(request))
    if form.validate():
        try:
            c = await call(request, consultations.save, staff_id(request), _consultation_data(form))
        except ValidationFailed as exc:
            for name, message in exc.errors.items():
                form[name].errors = [message]
        else:
            flash(request, "Consultation created. Add its questions, then open it.")
            return see_other(request.url_for("staff_consultation", id=c.id))
    return render(request, "staff/consultation_form.html", {"form": form, "c": None}, status_code=400)


@requires_role(MANAGERS)
async def edit_consultation(request: Request) -> Response:
    c = await call(request, consultations.get, path_int(request, "id"))
    if request.method == "GET":
        form = ConsultationForm(obj=c)
        form.slug.data = c.slug
        return render(request, "staff/consultation_form.html", {"form": form, "c": c})
    form = ConsultationForm(await read_form(request))
    if form.validate():
        try:
            await call(request, consultations.save, staff_id(request), _consultation_data(form), c.id)
        except ValidationFailed as exc:
            for name, message in exc.errors.items():
                form[name].errors = [message]
        else:
            flash(request, "Details saved.")
            return see_other(request.url_for("staff_consultation", id=c.id))
    return render(request, "staff/consultation_form.html", {"form": form, "c": c}, status_code=400)


async def _overview(
    request: Request, question_form: QuestionForm | None = None, status_code: int = 200, error: str | None = None
) -> Response:
    cid = path_int(request, "id")

    def load(db):  # type: ignore[no-untyped-def]
        c = consultations.get(db, cid)
        return c, responses.count_responses(db, cid), theming.latest_job(db, cid), consultations.question_problems(c)

    c, count, job, problems = await call(request, load)
    context = {
        "c": c,
        "count": count,
        "job": job,
        "problems": problems,
        "question_form": question_form or QuestionForm(),
        "flash": pop_flash(request),
        "error": error,
    }
    if is_htmx(request):
        # Only the question list changes: send just that part of the page.
        return render(request, "staff/_questions.html", context, status_code=status_code)
    return render(request, "staff/consultation.html", context, status_code=status_code)


@requires_role(STAFF_ROLES)
async def consultation(request: Request) -> Response:
    return await _overview(request)


@requires_role(MANAGERS)
async def add_question(request: Request) -> Response:
    form = QuestionForm(await read_form(request))
    if not form.validate():
        return await _overview(request, form, status_code=200 if is_htmx(request) else 400)
    try:
        await call(
            request,
            consultations.add_question,
            staff_id(request),
            path_int(request, "id"),
            text=form.text.data or "",
            hint=form.hint.data or "",
            kind=QuestionKind(form.kind.data),
            options=form.option_list(),
            required=bool(form.required.data),
        )
    except ValidationFailed as exc:
        for name, message in exc.errors.items():
            form[name].errors = [message]
        return await _overview(request, form, status_code=200 if is_htmx(request) else 400)
    except Conflict as exc:
        return await _overview(request, form, status_code=409, error=str(exc))
    return await _after_question_change(request)


async def _after_question_change(request: Request) -> Response:
    if is_htmx(request):
        return await _overview(request)
    return see_other(str(request.url_for("staff_consultation", id=path_int(request, "id"))) + "#questions")


@requires_role(MANAGERS)
async def remove_question(request: Request) -> Response:
    try:
        await call(
            request, consultations.remove_question, staff_id(request), path_int(request, "id"), path_int(request, "qid")
        )
    except Conflict as exc:
        return await _overview(request, status_code=409, error=str(exc))
    return await _after_question_change(request)


@requires_role(MANAGERS)
async def move_question(request: Request) -> Response:
    direction = str((await read_form(request)).get("direction", ""))
    try:
        await call(
            request,
            consultations.move_question,
            staff_id(request),
            path_int(request, "id"),
            path_int(request, "qid"),
            direction,
        )
    except Conflict as exc:
        return await _overview(request, status_code=409, error=str(exc))
    return await _after_question_change(request)


@requires_role(MANAGERS)
async def change_status(request: Request) -> Response:
    action = str((await read_form(request)).get("action", ""))
    try:
        c = await call(request, consultations.change_status, staff_id(request), path_int(request, "id"), action)
    except Conflict as exc:
        return await _overview(request, status_code=409, error=str(exc))
    if c.status == Status.SCHEDULED:
        flash(request, f"The consultation will open by itself on {c.opens_on:%-d %B %Y}.")
    else:
        flash(request, f"The consultation is now {STATUS[c.status].lower()}.")
    return see_other(request.url_for("staff_consultation", id=c.id))


@requires_role(STAFF_ROLES)
async def preview(request: Request) -> Response:
    """The consultation's page and response form as a resident will see them. Nothing is stored:
    a POST only checks the answers, so staff can try the questions' rules."""
    c = await call(request, consultations.get, path_int(request, "id"), writes=False)
    spec = consultations.preview_spec(c)
    form_class = response_form_for(spec.questions, spec.audiences)
    checked = False
    if request.method == "POST":
        form = form_class(await read_form(request))
        checked = form.validate()
    else:
        form = form_class()
    context = {
        "c": c,
        "spec": spec,
        "form": form,
        "checked": checked,
        "problems": consultations.question_problems(c),
    }
    return render(request, "staff/preview.html", context, status_code=400 if form.errors else 200)


@requires_role(STAFF_ROLES)
async def response_list(request: Request) -> Response:
    cid = path_int(request, "id")
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        page = 1

    def load(db):  # type: ignore[no-untyped-def]
        return consultations.get(db, cid), responses.list_responses(db, cid, page)

    c, result = await call(request, load)
    questions = {q.id: q for q in c.questions}
    return render(request, "staff/responses.html", {"c": c, "result": result, "questions": questions})


@requires_role(MANAGERS)
async def theming_page(request: Request) -> Response:
    cid = path_int(request, "id")
    if request.method == "POST":
        await call(request, theming.enqueue, cid, staff_id(request))
        request.app.state.worker.wake.set()
        if not is_htmx(request):
            return see_other(request.url_for("staff_theming", id=cid))

    def load(db):  # type: ignore[no-untyped-def]
        return consultations.get(db, cid), theming.latest_job(db, cid), responses.count_responses(db, cid)

    c, job, count = await call(request, load)
    summary = None
    if job is not None and job.status == "done":
        # Counts leave out what this role may not see (a safeguarding flag, even its existence).
        safeguarding = request.scope["staff"].role == Role.SAFEGUARDING_LEAD
        summary = await call(request, run_summary.summarise, cid, include_safeguarding=safeguarding)
    context = {"c": c, "job": job, "count": count, "summary": summary}
    if is_htmx(request):
        return render(request, "staff/_job.html", context)
    return render(request, "staff/theming.html", context)


@requires_role(STAFF_ROLES)
async def review(request: Request) -> Response:
    cid = path_int(request, "id")

    def load(db):  # type: ignore[no-untyped-def]
        c = consultations.get(db, cid)
        return c, theming.question_themes(db, c), theming.latest_job(db, cid)

    c, questions, job = await call(request, load)
    return render(request, "staff/themes.html", {"c": c, "questions": questions, "job": job})


@requires_role(STAFF_ROLES)
async def theme(request: Request) -> Response:
    def load(db, tid):  # type: ignore[no-untyped-def]
        detail = theming.theme_detail(db, tid)
        if detail is None:
            return None, None
        return detail, consultations.get(db, detail.question.consultation_id)

    detail, c = await call(request, load, path_int(request, "tid"))
    if detail is None:
        raise HTTPException(404, "We could not find that theme")
    context = {"d": detail, "c": c}
    if is_htmx(request):
        return render(request, "staff/_theme_comments.html", context)
    return render(request, "staff/theme.html", context)


@requires_role(MANAGERS)
async def publish(request: Request) -> Response:
    cid = path_int(request, "id")
    error = None
    if request.method == "POST":
        data = await read_form(request)
        texts: dict[int, str] = {}
        for name, value in data.multi_items():
            if name.startswith("response-") and name[9:].isdigit():
                texts[int(name[9:])] = str(value)[:5000]

        def save(db):  # type: ignore[no-untyped-def]
            c = consultations.get(db, cid)
            theming.save_responses(db, staff_id(request), c, texts)
            if data.get("action") == "publish":
                theming.publish(db, staff_id(request), c)

        try:
            await call(request, save)
        except Conflict as exc:
            error = str(exc)
        else:
            if data.get("action") == "publish":
                flash(request, "Results published. Everyone can now see what was done with what they said.")
                response = see_other(request.url_for("staff_consultation", id=cid))
                # Emails to respondents who asked for them go after the redirect has been sent.
                response.background = BackgroundTask(_notify_published, request.app.state, cid)
                return response
            flash(request, "Responses saved.")
            return see_other(request.url_for("staff_publish", id=cid))

    def load(db):  # type: ignore[no-untyped-def]
        c = consultations.get(db, cid)
        return c, theming.question_themes(db, c)

    c, questions = await call(request, load)
    return render(
        request,
        "staff/publish.html",
        {"c": c, "questions": questions, "error": error, "flash": pop_flash(request), "Status": Status},
        status_code=409 if error else 200,
    )


def _notify_published(state, consultation_id: int) -> None:  # type: ignore[no-untyped-def]
    settings = state.settings
    smtp = notify.SmtpConfig(settings.smtp_host, settings.smtp_port, settings.smtp_from)
    with state.sessions() as db:
        notify.send_published(db, consultation_id, smtp, settings.base_url)


routes = [
    Route("/staff", dashboard, name="dashboard"),
    Route("/staff/consultations/new", new_consultation, methods=["GET", "POST"], name="new_consultation"),
    Route("/staff/consultations/{id:int}", consultation, name="staff_consultation"),
    Route("/staff/consultations/{id:int}/edit", edit_consultation, methods=["GET", "POST"], name="edit_consultation"),
    Route("/staff/consultations/{id:int}/questions", add_question, methods=["POST"], name="add_question"),
    Route(
        "/staff/consultations/{id:int}/questions/{qid:int}/remove",
        remove_question,
        methods=["POST"],
        name="remove_question",
    ),
    Route(
        "/staff/consultations/{id:int}/questions/{qid:int}/move", move_question, methods=["POST"], name="move_question"
    ),
    Route("/staff/consultations/{id:int}/status", change_status, methods=["POST"], name="change_status"),
    Route("/staff/consultations/{id:int}/preview", preview, methods=["GET", "POST"], name="staff_preview"),
    Route("/staff/consultations/{id:int}/responses", response_list, name="staff_responses"),
    Route("/staff/consultations/{id:int}/theming", theming_page, methods=["GET", "POST"], name="staff_theming"),
    Route("/staff/consultations/{id:int}/themes", review, name="staff_themes"),
    Route("/staff/themes/{tid:int}", theme, name="staff_theme"),
    Route("/staff/consultations/{id:int}/publish", publish, methods=["GET", "POST"], name="staff_publish"),
]
