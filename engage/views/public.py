"""Public pages: consultations, the response form and published results."""

from __future__ import annotations

import re

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engage.forms import MAX_ANSWER_CHARS, answer_field_name, response_form_for
from engage.models import Audience, ConsultationKind, QuestionKind, Status
from engage.services import about_you, comments, commitments, consultations, responses, theming
from engage.services.consultations import ResponseFormSpec
from engage.services.errors import Conflict
from engage.templating import render
from engage.views import guard, nominations, pages
from engage.views.about_you import ages
from engage.views.common import call, read_form, see_other

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


def _form_for(c: ResponseFormSpec, formdata=None):  # type: ignore[no-untyped-def]
    return response_form_for(c.questions, c.audiences)(formdata)


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


def _page(request: Request, c: ResponseFormSpec, form, key: str, data: FormData | None, status_code: int = 200):  # type: ignore[no-untyped-def]
    """All the questions on one page."""
    return render(
        request,
        "public/respond.html",
        {"c": c, "form": form, "idempotency_key": key, "max_chars": MAX_ANSWER_CHARS, **_carried(data)},
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
            **_carried(data),
        },
        status_code=status_code,
    )


def _check(request: Request, c: ResponseFormSpec, form, key: str, data: FormData) -> Response:  # type: ignore[no-untyped-def]
    return render(
        request,
        "public/check.html",
        {"c": c, "form": form, "rows": _summary(c, form), "idempotency_key": key, **_carried(data)},
    )


@guard.guarded("response", when=lambda data: data.get("action") == "submit")
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
            return _step(request, c, _form_for(c), responses.new_idempotency_key(), None, "audience")
        return _page(request, c, _form_for(c), responses.new_idempotency_key(), None)

    data = await read_form(request)
    key = str(data.get("idempotency_key", ""))
    if not _KEY.match(key):
        key = responses.new_idempotency_key()
    action = str(data.get("action", "check"))
    form = _form_for(c, data)
    steps = _steps(c)
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
    # The reference goes in the session, not the URL: it identifies someone's response.
    young = c.young_people or form["audience"].data == Audience.YOUNG_PERSON or about_you.is_young(age_band)
    request.session["receipt"] = {"slug": c.slug, "reference": receipt.reference, "young": young}
    return see_other(request.url_for("received", slug=c.slug))


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
    Route("/consultations/{slug:str}/results", results, name="results"),
    Route("/commitments", commitment_list, name="commitments"),
    *pages.routes,
]
