"""Before and after a response: a young person's age, the optional equality questions and contact email.

The response is found through the reference kept in the person's session after they submit,
never through the URL, so nobody can add answers to someone else's response.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engage.equality import PREFER_NOT_TO_SAY
from engage.forms import ContactForm, single_choice_form
from engage.models import Audience
from engage.services import about_you, consultations
from engage.services.errors import Conflict, ValidationFailed
from engage.templating import render
from engage.views.common import call, read_form, see_other

# (URL step, stored field, question). One question on each page.
STEPS = [
    ("age", "age_band", "What is your age?"),
    ("sex", "sex", "What is your sex?"),
    ("ethnic-group", "ethnic_group", "What is your ethnic group?"),
    ("ethnic-background", "ethnic_group_detail", "Which of the following best describes your background?"),
    (
        "disability",
        "disability",
        "Are your day-to-day activities limited because of a health problem or disability which has lasted, "
        "or is expected to last, at least 12 months?",
    ),
    ("religion", "religion", "What is your religion?"),
]
HINTS = {
    "sex": "This question is about your sex, not your gender identity.",
    "ethnic_group": "Choose the group that best describes you. You can choose your background on the next page.",
    "disability": "Include problems related to old age.",
}
_STEP = {s[0]: i for i, s in enumerate(STEPS)}


# The about-you pages open someone's equality answers and email through the session. On a shared
# device the next person must not find them: the session lets go of the response at "Thank you",
# and in any case this long after the person first opened these pages.
ABOUT_YOU_SECONDS = 60 * 60


def _reference(request: Request, slug: str) -> str | None:
    receipt = request.session.get("receipt") or {}
    if not isinstance(receipt, dict) or receipt.get("slug") != slug:
        return None
    now = int(time.time())
    opened = receipt.get("opened_at")
    if not isinstance(opened, int):
        request.session["receipt"] = {**receipt, "opened_at": now}
    elif now - opened > ABOUT_YOU_SECONDS:
        forget_response(request, slug)
        return None
    return receipt.get("reference")


def forget_response(request: Request, slug: str) -> None:
    """Nothing personal stays in the session: not the response's reference (the key to its equality
    answers and email), and not the age band asked before the questions."""
    request.session.pop("receipt", None)
    remaining = {k: v for k, v in ages(request).items() if k != slug}
    if remaining:
        request.session["ages"] = remaining
    else:
        request.session.pop("ages", None)


def _back_to_consultation(request: Request, slug: str) -> Response:
    return RedirectResponse(request.url_for("consultation", slug=slug), status_code=303)


def _under_13(answers) -> bool:  # type: ignore[no-untyped-def]
    return answers is not None and answers.age_band == about_you.UNDER_13


def _next_url(request: Request, slug: str, index: int, answers) -> str:  # type: ignore[no-untyped-def]
    """The next question that applies: age is not asked twice; the background needs a broad group;
    a child under 13 is asked nothing more (no equality questions, no contact details)."""
    if _under_13(answers):
        return str(request.url_for("thank_you", slug=slug))
    for i in range(index, len(STEPS)):
        step, field, _ = STEPS[i]
        if field == "age_band" and answers is not None and answers.age_band:
            continue
        if field == "ethnic_group_detail" and (answers is None or answers.ethnic_group in (None, PREFER_NOT_TO_SAY)):
            continue
        return str(request.url_for("about_you_step", slug=slug, step=step))
    return str(request.url_for("keep_in_touch", slug=slug))


async def start(request: Request) -> Response:
    slug = request.path_params["slug"]
    reference = _reference(request, slug)
    if reference is None:
        return _back_to_consultation(request, slug)

    def load(db):  # type: ignore[no-untyped-def]
        return consultations.get_public(db, slug), about_you.answers_for(db, reference)

    c, answers = await call(request, load)
    if _under_13(answers):
        return see_other(request.url_for("thank_you", slug=slug))
    return render(
        request,
        "public/about_you.html",
        {"c": c, "first": _next_url(request, slug, 0, answers), "skip": request.url_for("keep_in_touch", slug=slug)},
    )


async def step(request: Request) -> Response:
    slug, name = request.path_params["slug"], request.path_params["step"]
    reference = _reference(request, slug)
    if reference is None:
        return _back_to_consultation(request, slug)
    if name not in _STEP:
        return see_other(request.url_for("about_you", slug=slug))
    index = _STEP[name]
    _, field, question = STEPS[index]

    def load(db):  # type: ignore[no-untyped-def]
        return (
            consultations.get_public(db, slug),
            about_you.answers_for(db, reference),
            about_you.response_audience(db, reference),
        )

    c, answers, audience = await call(request, load)
    if _under_13(answers):
        return see_other(request.url_for("thank_you", slug=slug))
    group = answers.ethnic_group if answers else None
    if field == "ethnic_group_detail" and group in (None, PREFER_NOT_TO_SAY):
        return see_other(_next_url(request, slug, index, answers))
    if field == "age_band" and c.young_people and answers is not None and answers.age_band:
        # Asked before the questions: never asked again.
        return see_other(_next_url(request, slug, index + 1, answers))
    label = f"Which of the following best describes your {group} background?" if group and index == 3 else question
    young_person = audience == Audience.YOUNG_PERSON.value
    form_class = single_choice_form(label, about_you.options(field, group, young_person=young_person))
    if request.method == "POST":
        form = form_class(await read_form(request))
        if form.validate():
            try:
                answers = await call(request, about_you.save_answer, reference, field, form.answer.data or None)
            except ValidationFailed as exc:
                form.answer.errors = list(exc.errors.values())
            except Conflict:  # a child under 13: nothing more is asked
                return see_other(request.url_for("thank_you", slug=slug))
            else:
                return see_other(_next_url(request, slug, index + 1, answers))
        status = 400
    else:
        form = form_class(data={"answer": getattr(answers, field, None) if answers else None})
        status = 200
    return render(
        request,
        "public/about_you_step.html",
        {
            "c": c,
            "form": form,
            "step": name,
            "hint": HINTS.get(field, ""),
            "skip": request.url_for("keep_in_touch", slug=slug),
        },
        status_code=status,
    )


async def keep_in_touch(request: Request) -> Response:
    slug = request.path_params["slug"]
    reference = _reference(request, slug)
    if reference is None:
        return _back_to_consultation(request, slug)

    def load(db):  # type: ignore[no-untyped-def]
        return consultations.get_public(db, slug), about_you.contact_state(db, reference)

    c, state = await call(request, load)
    if not state.allowed:  # under-13s are never asked for contact details
        return see_other(request.url_for("thank_you", slug=slug))
    if request.method == "POST":
        form = ContactForm(await read_form(request))
        if form.validate():
            try:
                await call(request, about_you.save_contact, reference, form.email.data or "", bool(form.notify.data))
            except ValidationFailed as exc:
                form.email.errors = list(exc.errors.values())
            except Conflict:
                return see_other(request.url_for("thank_you", slug=slug))
            else:
                return see_other(request.url_for("thank_you", slug=slug))
        return render(request, "public/keep_in_touch.html", {"c": c, "form": form}, status_code=400)
    form = ContactForm(data={"email": state.email, "notify": state.notify})
    return render(request, "public/keep_in_touch.html", {"c": c, "form": form})


async def thank_you(request: Request) -> Response:
    slug = request.path_params["slug"]
    receipt = request.session.get("receipt") or {}
    if receipt.get("slug") != slug:
        return _back_to_consultation(request, slug)
    c = await call(request, consultations.get_public, slug)
    response = render(
        request, "public/thank_you.html", {"c": c, "reference": receipt["reference"], "young": receipt.get("young")}
    )
    forget_response(request, slug)  # shown once; reloading goes back to the consultation
    return response


# ---- Before the questions: consultations aimed at young people ask an age band first ----------


def ages(request: Request) -> dict[str, str]:
    value = request.session.get("ages")
    return value if isinstance(value, dict) else {}


async def your_age(request: Request) -> Response:
    slug = request.path_params["slug"]
    c = await call(request, consultations.get_public, slug)
    form_class = single_choice_form(
        "How old are you?", about_you.options("age_band"), required_message="Select your age, or Prefer not to say"
    )
    if request.method == "POST":
        form = form_class(await read_form(request))
        if form.validate():
            request.session["ages"] = {**ages(request), slug: form.answer.data}
            if form.answer.data == about_you.UNDER_13:
                return see_other(request.url_for("young_privacy", slug=slug))
            return see_other(request.url_for("respond", slug=slug))
        return render(request, "public/your_age.html", {"c": c, "form": form}, status_code=400)
    form = form_class(data={"answer": ages(request).get(slug)})
    return render(request, "public/your_age.html", {"c": c, "form": form})


async def young_privacy(request: Request) -> Response:
    c = await call(request, consultations.get_public, request.path_params["slug"])
    return render(request, "public/young_privacy.html", {"c": c})


routes = [
    Route("/consultations/{slug:str}/your-age", your_age, methods=["GET", "POST"], name="your_age"),
    Route("/consultations/{slug:str}/privacy-for-young-people", young_privacy, name="young_privacy"),
    Route("/consultations/{slug:str}/about-you", start, name="about_you"),
    Route("/consultations/{slug:str}/about-you/{step:str}", step, methods=["GET", "POST"], name="about_you_step"),
    Route("/consultations/{slug:str}/keep-in-touch", keep_in_touch, methods=["GET", "POST"], name="keep_in_touch"),
    Route("/consultations/{slug:str}/thank-you", thank_you, name="thank_you"),
]
