"""Nominations and ideas: propose with a reason, and support other people's proposals.

Support needs no account. The browser gets a random id in its signed session cookie; the
service stores a keyed hash of it (and of an email address, if one is given), so each
browser and each email counts once per proposal.
"""

from __future__ import annotations

import re
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engage.forms import SupportForm, proposal_form_class
from engage.models import Audience, Consultation, ConsultationKind, Role, Status
from engage.security import STAFF_ROLES, client_address, requires_role
from engage.services import about_you, consultations, notify, proposals, responses
from engage.services.errors import Conflict, ValidationFailed
from engage.templating import render
from engage.views import guard
from engage.views.about_you import ages
from engage.views.common import call, flash, is_htmx, path_int, pop_flash, read_form, see_other, staff_id

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _form_class(c: Consultation):  # type: ignore[no-untyped-def]
    q = proposals.reason_question(c)
    return proposal_form_class(q.text, q.hint, c.audiences, subject=c.title)


async def _proposals_consultation(request: Request) -> Consultation:
    c = await call(request, consultations.get_public, request.path_params["slug"])
    if c.kind != ConsultationKind.PROPOSALS:
        from starlette.exceptions import HTTPException

        raise HTTPException(404, "This consultation does not take proposals")
    return c


async def page(request: Request, c: Consultation) -> Response:
    """The consultation page of a proposals consultation: the proposals, most supported first."""
    items = await call(request, proposals.list_public, c)
    supported = set(request.session.get("supported", []))
    return render(
        request,
        "public/proposals.html",
        {
            "c": c,
            "proposals": items,
            "supported": supported,
            "support_form": SupportForm(),
            "notice": pop_flash(request),
        },
    )


@guard.guarded("proposal")
async def propose(request: Request) -> Response:
    c = await _proposals_consultation(request)
    if c.status != Status.OPEN:
        return render(request, "public/closed.html", {"c": c}, status_code=409 if request.method == "POST" else 200)
    age_band = ages(request).get(c.slug) if c.young_people else None
    if c.young_people and age_band is None:
        return see_other(request.url_for("your_age", slug=c.slug))
    form_class = _form_class(c)
    if request.method == "GET":
        return render(
            request,
            "public/propose.html",
            {"c": c, "form": form_class(), "idempotency_key": responses.new_idempotency_key()},
        )
    data = await read_form(request)
    key = str(data.get("idempotency_key", ""))
    if not _KEY.match(key):
        key = responses.new_idempotency_key()
    form = form_class(data)
    if form.validate():
        try:
            receipt = await call(
                request,
                proposals.propose,
                c,
                title=form.title.data or "",
                reason=form.reason.data or "",
                audience=Audience(form.audience.data),
                idempotency_key=key,
                age_band=age_band,
            )
        except ValidationFailed as exc:
            form.title.errors = list(exc.errors.values())
        except Conflict:
            return render(request, "public/closed.html", {"c": c}, status_code=409)
        else:
            young = c.young_people or form.audience.data == Audience.YOUNG_PERSON or about_you.is_young(age_band)
            request.session["receipt"] = {"slug": c.slug, "reference": receipt.reference, "young": young}
            return see_other(request.url_for("received", slug=c.slug))
    return render(request, "public/propose.html", {"c": c, "form": form, "idempotency_key": key}, status_code=400)


@guard.guarded("support")
async def support(request: Request) -> Response:
    c = await _proposals_consultation(request)
    pid = path_int(request, "pid")
    form = SupportForm(await read_form(request))
    if not form.validate():
        flash(request, "Enter an email address in the correct format, or leave it empty")
        return see_other(str(request.url_for("consultation", slug=c.slug)) + f"#proposal-{pid}")
    limit = request.app.state.settings.support_rate_limit
    if not request.app.state.throttle.hit(limit, "support", client_address(request), str(pid)):
        # A browser is counted once, but clearing cookies makes a new browser: one address (behind
        # a trusted proxy, the real one) gives one proposal only so many supports a day.
        return render(
            request,
            "error.html",
            {
                "title": "Too many requests",
                "detail": "This proposal has had many supports from your connection today. "
                "Try again tomorrow. Nothing has been saved.",
            },
            status_code=429,
        )
    browser_id = request.session.get("browser_id")
    if not isinstance(browser_id, str):
        browser_id = secrets.token_urlsafe(24)
        request.session["browser_id"] = browser_id
    settings = request.app.state.settings
    key = settings.secret_key.encode()
    email = (form.email.data or "").strip()
    smtp = notify.SmtpConfig(settings.smtp_host, settings.smtp_port, settings.smtp_from)
    if email and smtp.enabled:
        # Supports given with an email count once the person proves the address is theirs. Nothing
        # is stored until then: the link carries the keyed hashes, signed and dated.
        browser_hash, email_hash = proposals.support_hashes(key, browser_id, email)
        token = _confirm_signer(request).dumps({"p": pid, "b": browser_hash, "e": email_hash})
        link = f"{settings.base_url}/consultations/{c.slug}/proposals/{pid}/confirm?token={token}"
        item = await call(request, proposals.get_view, c, pid)
        sent = await run_in_threadpool(notify.send_support_confirmation, smtp, email, item.title, link)
        message = (
            "We have sent you an email. Open the link in it to confirm your support."
            if sent
            else "We could not send the email just now. Try again later, or support without an email address."
        )
        if is_htmx(request):
            return render(
                request,
                "public/_proposal.html",
                {"c": c, "p": item, "supported": set(), "support_form": SupportForm(), "notice": message},
            )
        flash(request, message)
        return see_other(str(request.url_for("consultation", slug=c.slug)) + f"#proposal-{pid}")
    try:
        # Without a way to send email, an address cannot be verified: count this browser only.
        result = await call(request, proposals.support, pid, browser_id=browser_id, email="", key=key)
    except Conflict:
        return render(request, "public/closed.html", {"c": c}, status_code=409)
    request.session["supported"] = sorted({*request.session.get("supported", []), pid})
    if is_htmx(request):
        item = await call(request, proposals.get_view, c, pid)
        return render(
            request,
            "public/_proposal.html",
            {"c": c, "p": item, "supported": {pid}, "support_form": SupportForm(), "just_counted": result.counted},
        )
    flash(request, "Thank you: your support is counted." if result.counted else "You have already supported this.")
    return see_other(str(request.url_for("consultation", slug=c.slug)) + f"#proposal-{pid}")


CONFIRM_MAX_AGE = 2 * 24 * 3600


def _confirm_signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="engage.support-email")


@guard.guarded("support confirmation")
async def confirm_support(request: Request) -> Response:
    """The link in the email: a page with a button (a GET never changes anything), then the count."""
    c = await _proposals_consultation(request)
    pid = path_int(request, "pid")
    if request.method == "GET":
        token = request.query_params.get("token", "")
    else:
        token = str((await read_form(request)).get("token", ""))
    try:
        data = _confirm_signer(request).loads(token, max_age=CONFIRM_MAX_AGE)
        valid = isinstance(data, dict) and data.get("p") == pid
    except BadSignature:
        valid = False
    item = await call(request, proposals.get_view, c, pid)
    if not valid:
        return render(request, "public/confirm_support.html", {"c": c, "p": item, "invalid": True}, status_code=400)
    if request.method == "GET":
        return render(request, "public/confirm_support.html", {"c": c, "p": item, "token": token, "invalid": False})
    try:
        result = await call(request, proposals.add_support, pid, browser_hash=data["b"], email_hash=data["e"])
    except Conflict:
        return render(request, "public/closed.html", {"c": c}, status_code=409)
    request.session["supported"] = sorted({*request.session.get("supported", []), pid})
    flash(request, "Thank you: your support is counted." if result.counted else "You have already supported this.")
    return see_other(str(request.url_for("consultation", slug=c.slug)) + f"#proposal-{pid}")


MODERATORS = frozenset({Role.ADMIN, Role.OFFICER, Role.MODERATOR})


@requires_role(STAFF_ROLES)
async def staff_proposals(request: Request) -> Response:
    cid = path_int(request, "id")

    def load(db):  # type: ignore[no-untyped-def]
        return consultations.get(db, cid), proposals.staff_list(db, cid)

    c, items = await call(request, load)
    return render(
        request,
        "staff/proposals.html",
        {
            "c": c,
            "proposals": items,
            "can_hide": request.scope["staff"].role in MODERATORS,
            "flash": pop_flash(request),
        },
    )


@requires_role(MODERATORS)
async def hide_proposal(request: Request) -> Response:
    reason = str((await read_form(request)).get("reason", ""))
    try:
        p = await call(request, proposals.hide, staff_id(request), path_int(request, "pid"), reason)
    except ValidationFailed:
        from starlette.exceptions import HTTPException

        raise HTTPException(400, "Enter why you are hiding this proposal") from None
    flash(request, f"Hidden: {p.title}")
    return see_other(request.url_for("staff_proposals", id=p.consultation_id))


routes = [
    Route("/staff/consultations/{id:int}/proposals", staff_proposals, name="staff_proposals"),
    Route("/staff/proposals/{pid:int}/hide", hide_proposal, methods=["POST"], name="hide_proposal"),
    Route("/consultations/{slug:str}/propose", propose, methods=["GET", "POST"], name="propose"),
    Route("/consultations/{slug:str}/proposals/{pid:int}/support", support, methods=["POST"], name="support"),
    Route(
        "/consultations/{slug:str}/proposals/{pid:int}/confirm",
        confirm_support,
        methods=["GET", "POST"],
        name="confirm_support",
    ),
]
