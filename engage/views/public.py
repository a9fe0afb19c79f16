"""Public pages: consultations, the response form and published results."""

from __future__ import annotations

import datetime as dt
import logging
import re

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from engage.forms import MAX_ANSWER_CHARS, ResumeForm, SendToMeForm, answer_field_name, response_form_for
from engage.i18n import gettext
from engage.i18n import lazy_gettext as _l
from engage.labels import AUDIENCE
from engage.models import Audience, ConsultationKind, QuestionKind, Status
from engage.services import (
    about_you,
    comments,
    commitments,
    consultations,
    copies,
    drafts,
    notify,
    responses,
    theming,
)
from engage.services.consultations import ResponseFormSpec
from engage.services.errors import Conflict
from engage.templating import render
from engage.views import guard, nominations, pages
from engage.views.about_you import ages
from engage.views.common import call, read_form, see_other

log = logging.getLogger(__name__)

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


async def home(request: Request) -> Response:
    listed = await call(request, consultations.public_list)
    return render(
        request,
        "public/home.html",
        {
            "open_now": listed.open_now,
            "closed": listed.closed,
            "published": listed.published,
            "results_due": consultations.results_due,
        },
    )


async def consultation(request: Request) -> Response:
    c = await call(request, consultations.get_public, request.path_params["slug"])
    if c.kind == ConsultationKind.PROPOSALS:
        return await nominations.page(request, c)
    return render(request, "public/consultation.html", {"c": c, "results_due": consultations.results_due(c)})


async def _response_form(request: Request) -> ResponseFormSpec:
    """The consultation as the response form needs it.

    A POST may reuse one read in the last few seconds (ENGAGE_FORM_CACHE_SECONDS, ADR 0008): a
    consultation's questions cannot change once it is public, and responses.submit checks in its
    own transaction that the consultation is still open. A GET always reads afresh.
    """
    slug = request.path_params["slug"]
    cache = getattr(request.app.state, "form_specs", None)
    if cache is not None and request.method == "POST" and (spec := cache.get(slug)) is not None:
        return spec  # type: ignore[no-any-return]
    spec = await call(request, consultations.response_form_spec, slug, writes=False)
    if cache is not None:
        cache[slug] = spec
    return spec


def _form_for(c: ResponseFormSpec, formdata=None, age_band: str | None = None):  # type: ignore[no-untyped-def]
    # Who they may say they are follows the age they gave (an adult is never only "young person").
    return response_form_for(c.questions, about_you.audiences_for(c.audiences, age_band))(formdata)


def _answers(c: ResponseFormSpec, form) -> dict[int, object]:  # type: ignore[no-untyped-def]
    return {q.id: form[answer_field_name(q.id)].data for q in c.questions}


def _summary(c: ResponseFormSpec, form) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """The rows of "Check your answers"."""
    rows = []
    for q in c.questions:
        value = form[answer_field_name(q.id)].data
        if q.kind == QuestionKind.MULTIPLE_CHOICE:
            shown: object = list(value or [])
        else:
            shown = value or ""
        rows.append({"question": q, "field": answer_field_name(q.id), "value": shown})
    return rows


def _steps(c: ResponseFormSpec) -> list[str]:
    """The fields in the order the one-question-per-page journey asks them."""
    return ["audience", *(answer_field_name(q.id) for q in c.questions)]


def _carried(data: FormData | None = None) -> dict[str, str]:
    """The anti-script fields travel through "check your answers" unchanged (see views.guard)."""
    if data is None:
        return {"started": "", "honeypot": ""}
    return {"started": str(data.get(guard.STARTED, "")), "honeypot": str(data.get(guard.HONEYPOT, ""))}


def _draft_code(data: FormData | None) -> str:
    """The code of the draft this journey was resumed from or saved as, carried in the form."""
    return (drafts.normalise(str(data.get("draft", ""))) or "") if data is not None else ""


def _page(request: Request, c: ResponseFormSpec, form, key: str, data: FormData | None, status_code: int = 200):  # type: ignore[no-untyped-def]
    """All the questions on one page."""
    return render(
        request,
        "public/respond.html",
        {
            "c": c,
            "form": form,
            "idempotency_key": key,
            "max_chars": MAX_ANSWER_CHARS,
            "draft_code": _draft_code(data),
            **_carried(data),
        },
        status_code=status_code,
    )


def _step(  # type: ignore[no-untyped-def]
    request: Request,
    c: ResponseFormSpec,
    form,
    key: str,
    data: FormData | None,
    name: str,
    *,
    to_check: bool = False,
    status_code: int = 200,
) -> Response:
    """One question on its own page (GOV.UK "one thing per page"), the other answers carried."""
    steps = _steps(c)
    index = steps.index(name)
    question = c.questions[index - 1] if index else None
    return render(
        request,
        "public/respond_step.html",
        {
            "c": c,
            "form": form,
            "field": form[name],
            "question": question,
            "number": index + 1,
            "count": len(steps),
            "first": index == 0,
            "to_check": to_check,
            "idempotency_key": key,
            "max_chars": MAX_ANSWER_CHARS,
            "draft_code": _draft_code(data),
            **_carried(data),
        },
        status_code=status_code,
    )


def _check(request: Request, c: ResponseFormSpec, form, key: str, data: FormData) -> Response:  # type: ignore[no-untyped-def]
    return render(
        request,
        "public/check.html",
        {
            "c": c,
            "form": form,
            "rows": _summary(c, form),
            "idempotency_key": key,
            "draft_code": _draft_code(data),
            **_carried(data),
        },
    )


@guard.guarded("response", when=lambda data: data.get("action") in ("submit", "save"))
async def respond(request: Request) -> Response:
    """The response form, GOV.UK style: answer → check your answers → submit.

    Nothing is stored until the resident submits from "Check your answers"; the answers
    travel in the form itself, so the journey works without JavaScript or server state. A
    consultation shows its questions all on one page, or one on each page (an officer's choice);
    either way a Change link on "Check your answers" opens that one question and comes back.
    """
    c = await _response_form(request)
    if c.kind == ConsultationKind.PROPOSALS:
        return see_other(request.url_for("propose", slug=c.slug))
    if c.status != Status.OPEN:
        return render(request, "public/closed.html", {"c": c}, status_code=409 if request.method == "POST" else 200)

    age_band = ages(request).get(c.slug) if c.young_people else None
    if c.young_people and age_band is None:
        # Consultations for young people ask their age first: under-13s get a privacy notice for them.
        return see_other(request.url_for("your_age", slug=c.slug))
    if request.method == "GET":
        if c.one_question_per_page:
            return _step(request, c, _form_for(c, None, age_band), responses.new_idempotency_key(), None, "audience")
        return _page(request, c, _form_for(c, None, age_band), responses.new_idempotency_key(), None)

    data = await read_form(request)
    key = str(data.get("idempotency_key", ""))
    if not _KEY.match(key):
        key = responses.new_idempotency_key()
    action = str(data.get("action", "check"))
    form = _form_for(c, data, age_band)
    steps = _steps(c)
    if action == "save":
        return await _save_draft(request, c, data, steps)
    step = str(data.get("step", ""))
    to_check = data.get("return_to") == "check"
    valid = form.validate()

    if action == "change":
        # From "Check your answers": one question (Change link), or every question.
        name = str(data.get("change", ""))
        if name in steps:
            return _step(request, c, form, key, data, name, to_check=True)
        if c.one_question_per_page:
            return _step(request, c, form, key, data, steps[0])
        return _page(request, c, form, key, data)
    if action == "back" and step in steps:
        return _step(request, c, form, key, data, steps[max(0, steps.index(step) - 1)])
    if action == "next" and step in steps:
        if form[step].errors:
            return _step(request, c, form, key, data, step, to_check=to_check, status_code=400)
        index = steps.index(step)
        if not to_check and index + 1 < len(steps):
            return _step(request, c, form, key, data, steps[index + 1])
        if not valid:  # an answer changed elsewhere is missing: ask that question next
            first_bad = next(name for name in steps if form[name].errors)
            return _step(request, c, form, key, data, first_bad, to_check=to_check, status_code=400)
        return _check(request, c, form, key, data)
    if not valid:
        if c.one_question_per_page:
            first_bad = next(name for name in steps if form[name].errors)
            return _step(request, c, form, key, data, first_bad, status_code=400)
        return _page(request, c, form, key, data, status_code=400)
    if action != "submit":
        return _check(request, c, form, key, data)
    try:
        receipt = await call(
            request,
            responses.submit,
            c,
            audience=Audience(form["audience"].data),
            answers=_answers(c, form),
            idempotency_key=key,
            age_band=age_band,
        )
    except Conflict:
        return render(request, "public/closed.html", {"c": c}, status_code=409)
    if code := _draft_code(data):
        await call(request, drafts.discard, request.app.state.settings.secret_key, c.id, code)
    # The reference goes in the session, not the URL: it identifies someone's response.
    young = about_you.shows_young_support(c.young_people, form["audience"].data, age_band)
    request.session["receipt"] = {"slug": c.slug, "reference": receipt.reference, "young": young}
    return see_other(request.url_for("received", slug=c.slug))


# ---- Save and come back later (engage.services.drafts) ----------------------------------------

# Per address: plenty for a person, far too few to try codes.
RESUME_LIMIT = "20/hour"


def _smtp(request: Request) -> notify.SmtpConfig:
    settings = request.app.state.settings
    return notify.SmtpConfig(settings.smtp_host, settings.smtp_port, settings.smtp_from)


async def _save_draft(request: Request, c: ResponseFormSpec, data: FormData, steps: list[str]) -> Response:
    settings = request.app.state.settings
    answers = {name: [str(v) for v in data.getlist(name)] for name in steps}
    try:
        saved = await call(
            request,
            drafts.save,
            settings.secret_key,
            c.id,
            answers,
            days=settings.draft_days,
            code=str(data.get("draft", "")),
        )
    except Conflict:
        return render(request, "public/closed.html", {"c": c}, status_code=409)
    # The code goes in the (signed) session for the next page, never in a URL.
    request.session["draft"] = {"slug": c.slug, "code": saved.code, "expires": saved.expires_at.date().isoformat()}
    return see_other(request.url_for("draft_saved", slug=c.slug))


@guard.guarded("draft-email")
async def draft_saved(request: Request) -> Response:
    """The code, when the draft expires, and (where email is set up) an offer to email the link."""
    slug = request.path_params["slug"]
    saved = request.session.get("draft") or {}
    if saved.get("slug") != slug:
        return see_other(request.url_for("resume", slug=slug))
    c = await call(request, consultations.get_public, slug, writes=False)
    smtp = _smtp(request)
    form = SendToMeForm()
    sent = None
    status = 200
    if request.method == "POST":
        form = SendToMeForm(await read_form(request))
        if not smtp.enabled:
            return see_other(request.url_for("draft_saved", slug=slug))
        if form.validate():
            link = f"{request.app.state.settings.base_url}/consultations/{slug}/resume"
            body = str(
                _l(
                    "You saved your response to %(title)s.\n\nTo carry on, open %(link)s and enter this code:\n\n"
                    "%(code)s\n\nYour saved response will be deleted on %(date)s if you do not send it by then. "
                    "Anyone with this code can read your saved answers, so do not share it.\n",
                    title=c.title,
                    link=link,
                    code=saved["code"],
                    date=_date_text(saved["expires"]),
                )
            )
            sent = await run_in_threadpool(
                notify.send,
                smtp,
                form.email.data or "",
                str(_l("Continue your response: %(title)s", title=c.title)),
                body,
            )
            form = SendToMeForm()
        else:
            status = 400
    return render(
        request,
        "public/draft_saved.html",
        {
            "c": c,
            "code": saved["code"],
            "expires": dt.date.fromisoformat(saved["expires"]),
            "email_on": smtp.enabled,
            "form": form,
            "sent": sent,
        },
        status_code=status,
    )


def _date_text(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%-d %B %Y")


async def resume(request: Request) -> Response:
    """Enter the code to carry on with a saved response."""
    c = await _response_form(request)
    if c.status != Status.OPEN or c.kind == ConsultationKind.PROPOSALS:
        return render(request, "public/closed.html", {"c": c}, status_code=409 if request.method == "POST" else 200)
    if request.method == "GET":
        return render(request, "public/resume.html", {"c": c, "form": ResumeForm()})
    data = await read_form(request)
    form = ResumeForm(data)
    if form.validate():
        address = request.client.host if request.client else "unknown"
        if not request.app.state.throttle.hit(RESUME_LIMIT, "draft-resume", address):
            log.warning("draft resume attempts throttled")
            raise HTTPException(429, "Wait an hour, then try again.")
        settings = request.app.state.settings
        if drafts.normalise(form.code.data or "") is None:
            form.code.errors = [_l(drafts.FORMAT_ERROR)]
        else:
            loaded = await call(request, drafts.load, settings.secret_key, c.id, form.code.data or "", writes=False)
            if loaded is None:
                form.code.errors = [
                    _l(
                        "No saved response has this code. Check it, or start again: saved responses are "
                        "deleted %(days)s days after they were saved.",
                        days=settings.draft_days,
                    )
                ]
            else:
                return _resumed(request, c, loaded)
    return render(request, "public/resume.html", {"c": c, "form": form}, status_code=400)


def _resumed(request: Request, c: ResponseFormSpec, loaded: drafts.Loaded) -> Response:
    """The journey where the resident left it: no errors shown for what they have not answered yet."""
    steps = _steps(c)
    items: list[tuple[str, str | UploadFile]] = [(n, v) for n in steps for v in loaded.answers.get(n, [])]
    data = FormData([*items, ("draft", loaded.code)])
    form = _form_for(c, data, ages(request).get(c.slug) if c.young_people else None)
    key = responses.new_idempotency_key()
    if form.validate():
        return _check(request, c, form, key, data)
    first_bad = next(name for name in steps if form[name].errors)
    for name in steps:
        form[name].errors = []
    if c.one_question_per_page:
        return _step(request, c, form, key, data, first_bad)
    return _page(request, c, form, key, data)


async def received(request: Request) -> Response:
    receipt = request.session.get("receipt") or {}
    slug = request.path_params["slug"]
    if receipt.get("slug") != slug:
        return RedirectResponse(request.url_for("consultation", slug=slug), status_code=303)
    c = await call(request, consultations.get_public, slug)
    return render(
        request,
        "public/received.html",
        {
            "c": c,
            "reference": receipt["reference"],
            "young": receipt.get("young"),
            "under_13": ages(request).get(slug) == about_you.UNDER_13,
        },
    )


def _receipt(request: Request) -> dict[str, object] | None:
    receipt = request.session.get("receipt") or {}
    return receipt if receipt.get("slug") == request.path_params["slug"] else None


@guard.guarded("copy-email")
async def response_copy(request: Request) -> Response:
    """The resident's own copy of what they sent: to print, download, or have emailed."""
    receipt = _receipt(request)
    slug = request.path_params["slug"]
    if receipt is None:
        return see_other(request.url_for("consultation", slug=slug))
    copy = await call(request, copies.for_reference, slug, str(receipt["reference"]), writes=False)
    smtp = _smtp(request)
    form, sent, status = SendToMeForm(), None, 200
    if request.method == "POST" and smtp.enabled:
        form = SendToMeForm(await read_form(request))
        if form.validate():
            text = copies.as_text(copy, gettext(AUDIENCE[Audience(copy.audience)]), gettext("Not answered"))
            subject = str(_l("Your response: %(title)s", title=copy.consultation_title))
            sent = await run_in_threadpool(notify.send, smtp, form.email.data or "", subject, text)
            form = SendToMeForm()
        else:
            status = 400
    return render(
        request,
        "public/copy.html",
        {"slug": slug, "copy": copy, "email_on": smtp.enabled, "form": form, "sent": sent},
        status_code=status,
    )


async def response_copy_text(request: Request) -> Response:
    receipt = _receipt(request)
    slug = request.path_params["slug"]
    if receipt is None:
        return see_other(request.url_for("consultation", slug=slug))
    copy = await call(request, copies.for_reference, slug, str(receipt["reference"]), writes=False)
    text = copies.as_text(copy, gettext(AUDIENCE[Audience(copy.audience)]), gettext("Not answered"))
    return PlainTextResponse(
        text,
        headers={
            "Content-Disposition": f'attachment; filename="response-{copy.reference}.txt"',
            "Cache-Control": "no-store",
        },
    )


async def results(request: Request) -> Response:
    def load(db, slug):  # type: ignore[no-untyped-def]
        c = consultations.get_public(db, slug)
        if c.status != Status.PUBLISHED:
            return c, None, None, None
        return (
            c,
            comments.publishable_themes(db, c),
            theming.choice_tallies(db, c),
            commitments.for_consultation(db, c.id),
        )

    c, themes, tallies, items = await call(request, load, request.path_params["slug"])
    if themes is None:
        # Closed (or still open): say when results are due rather than "Page not found".
        return render(request, "public/results_pending.html", {"c": c, "results_due": consultations.results_due(c)})
    return render(
        request,
        "public/results.html",
        {"c": c, "questions": themes, "tallies": tallies, "commitments": items, "items": items},
    )


async def commitment_list(request: Request) -> Response:
    items = await call(request, commitments.public_all)
    return render(request, "public/commitments.html", {"items": items})


routes = [
    Route("/", home, name="home"),
    Route("/consultations/{slug:str}", consultation, name="consultation"),
    Route("/consultations/{slug:str}/respond", respond, methods=["GET", "POST"], name="respond"),
    Route("/consultations/{slug:str}/received", received, name="received"),
    Route("/consultations/{slug:str}/received/copy", response_copy, methods=["GET", "POST"], name="response_copy"),
    Route("/consultations/{slug:str}/received/copy.txt", response_copy_text, name="response_copy_text"),
    Route("/consultations/{slug:str}/saved", draft_saved, methods=["GET", "POST"], name="draft_saved"),
    Route("/consultations/{slug:str}/resume", resume, methods=["GET", "POST"], name="resume"),
    Route("/consultations/{slug:str}/results", results, name="results"),
    Route("/commitments", commitment_list, name="commitments"),
    *pages.routes,
]
