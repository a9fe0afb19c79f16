"""Every route of the app, visited as every role with every method it accepts.

The expected access is the explicit table ACCESS below. A route the app serves that is not in the
table fails the test: add it (with who may use it) when you add a route.

For each role (anonymous, then each staff role, each with a fresh data "world" so that one role's
POSTs cannot hide another's result):
- anonymous on a staff route → 303 to /staff/login;
- a staff role not allowed → 403;
- an allowed role → not 401/403, not sent to the login page, never a 5xx;
- no GET changes the database (every table's rows compared before and after each GET), except the
  few listed in GET_WRITES (audited downloads), which may add only audit events.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from starlette.routing import Mount, Route

from engage.models import Audience, Base, Channel, ThemeProposal
from engage.services import commitments, feedback, forums, imports
from engage.views import about_you, auth, insight, nominations, privacy, public, publishing, review, staff, users
from engage.views import feedback as feedback_views
from engage.views import forums as forum_views
from engage.views import imports as import_views
from tests.conftest import TEST_PASSWORD, csrf_from
from tests.factories import (
    csv_bytes,
    make_comments,
    make_consultation,
    make_proposal,
    make_proposals_consultation,
    make_staff,
    make_theme,
)

ANON = "anonymous"
ADMIN, OFFICER, COALITION, MODERATOR, SAFEGUARDING = (
    "admin",
    "officer",
    "coalition_member",
    "moderator",
    "safeguarding_lead",
)
ROLES = [ANON, COALITION, MODERATOR, SAFEGUARDING, OFFICER, ADMIN]
STAFF = frozenset({ADMIN, OFFICER, COALITION, MODERATOR, SAFEGUARDING})
MANAGERS = frozenset({ADMIN, OFFICER})
PUBLIC = "public"  # everyone, signed in or not

# (method, path template) → who may use it. Keep in step with README "Roles".
ACCESS: dict[tuple[str, str], object] = {
    # residents
    ("GET", "/"): PUBLIC,
    ("GET", "/accessibility"): PUBLIC,
    ("GET", "/privacy"): PUBLIC,
    ("GET", "/cookies"): PUBLIC,
    ("GET", "/contact"): PUBLIC,
    ("GET", "/consultations/{slug:str}/privacy"): PUBLIC,
    ("GET", "/consultations/{slug:str}/received/copy"): PUBLIC,
    ("POST", "/consultations/{slug:str}/received/copy"): PUBLIC,
    ("GET", "/consultations/{slug:str}/received/copy.txt"): PUBLIC,
    ("GET", "/consultations/{slug:str}/saved"): PUBLIC,
    ("POST", "/consultations/{slug:str}/saved"): PUBLIC,
    ("GET", "/consultations/{slug:str}/resume"): PUBLIC,
    ("POST", "/consultations/{slug:str}/resume"): PUBLIC,
    ("GET", "/consultations/{slug:str}"): PUBLIC,
    ("GET", "/consultations/{slug:str}/respond"): PUBLIC,
    ("POST", "/consultations/{slug:str}/respond"): PUBLIC,
    ("GET", "/consultations/{slug:str}/received"): PUBLIC,
    ("GET", "/consultations/{slug:str}/results"): PUBLIC,
    ("GET", "/commitments"): PUBLIC,
    ("GET", "/consultations/{slug:str}/your-age"): PUBLIC,
    ("POST", "/consultations/{slug:str}/your-age"): PUBLIC,
    ("GET", "/consultations/{slug:str}/privacy-for-young-people"): PUBLIC,
    ("GET", "/consultations/{slug:str}/about-you"): PUBLIC,
    ("GET", "/consultations/{slug:str}/about-you/{step:str}"): PUBLIC,
    ("POST", "/consultations/{slug:str}/about-you/{step:str}"): PUBLIC,
    ("GET", "/consultations/{slug:str}/keep-in-touch"): PUBLIC,
    ("POST", "/consultations/{slug:str}/keep-in-touch"): PUBLIC,
    ("GET", "/consultations/{slug:str}/thank-you"): PUBLIC,
    ("GET", "/feedback"): PUBLIC,
    ("POST", "/feedback"): PUBLIC,
    ("GET", "/feedback/sent"): PUBLIC,
    ("GET", "/consultations/{slug:str}/propose"): PUBLIC,
    ("POST", "/consultations/{slug:str}/propose"): PUBLIC,
    ("POST", "/consultations/{slug:str}/proposals/{pid:int}/support"): PUBLIC,
    ("GET", "/forums"): PUBLIC,
    ("GET", "/forums/{slug:str}"): PUBLIC,
    ("POST", "/forums/{slug:str}"): PUBLIC,
    ("GET", "/forums/{slug:str}/{tid:int}"): PUBLIC,
    ("POST", "/forums/{slug:str}/{tid:int}"): PUBLIC,
    ("GET", "/forums/{slug:str}/{tid:int}/posts/{pid:int}/report"): PUBLIC,
    ("POST", "/forums/{slug:str}/{tid:int}/posts/{pid:int}/report"): PUBLIC,
    ("GET", "/staff/login"): PUBLIC,
    ("POST", "/staff/login"): PUBLIC,
    ("POST", "/staff/logout"): PUBLIC,
    ("GET", "/staff/login/code"): PUBLIC,  # the second sign-in step: without a pending sign-in it says so
    ("POST", "/staff/login/code"): PUBLIC,
    ("GET", "/staff/account"): STAFF,
    ("GET", "/staff/account/two-step"): STAFF,
    ("POST", "/staff/account/two-step"): STAFF,
    ("POST", "/staff/account/two-step/off"): STAFF,
    ("GET", "/consultations/{slug:str}/proposals/{pid:int}/confirm"): PUBLIC,
    ("POST", "/consultations/{slug:str}/proposals/{pid:int}/confirm"): PUBLIC,
    ("GET", "/erase"): PUBLIC,
    ("POST", "/erase"): PUBLIC,
    ("GET", "/erase/sent"): PUBLIC,
    ("GET", "/staff/erasure"): MANAGERS,
    ("POST", "/staff/erasure/find"): MANAGERS,
    ("POST", "/staff/erasure/erase"): MANAGERS,
    ("POST", "/staff/erasure/{id:int}/erase"): MANAGERS,
    ("POST", "/staff/erasure/{id:int}/close"): MANAGERS,
    # staff: reading
    ("GET", "/staff"): STAFF,
    ("GET", "/staff/consultations/{id:int}"): STAFF,
    ("GET", "/staff/consultations/{id:int}/responses"): STAFF,
    ("GET", "/staff/consultations/{id:int}/themes"): STAFF,
    ("GET", "/staff/themes/{tid:int}"): STAFF,
    ("GET", "/staff/consultations/{id:int}/board"): STAFF,
    ("GET", "/staff/questions/{qid:int}/board"): STAFF,
    ("GET", "/staff/questions/{qid:int}/comments"): STAFF,
    ("GET", "/staff/questions/{qid:int}/insight"): STAFF,
    ("GET", "/staff/questions/{qid:int}/insight.csv"): STAFF,
    ("GET", "/staff/consultations/{id:int}/representation"): STAFF,
    ("GET", "/staff/population"): STAFF,
    ("GET", "/staff/consultations/{id:int}/commitments"): STAFF,
    ("GET", "/staff/consultations/{id:int}/report"): STAFF,
    ("GET", "/staff/consultations/{id:int}/proposals"): STAFF,
    ("GET", "/staff/consultations/{id:int}/preview"): STAFF,
    ("POST", "/staff/consultations/{id:int}/preview"): STAFF,  # checks answers, stores nothing
    # staff: managing (officers and admins)
    ("GET", "/staff/consultations/new"): MANAGERS,
    ("POST", "/staff/consultations/new"): MANAGERS,
    ("GET", "/staff/consultations/{id:int}/edit"): MANAGERS,
    ("POST", "/staff/consultations/{id:int}/edit"): MANAGERS,
    ("POST", "/staff/consultations/{id:int}/questions"): MANAGERS,
    ("POST", "/staff/consultations/{id:int}/questions/{qid:int}/remove"): MANAGERS,
    ("POST", "/staff/consultations/{id:int}/questions/{qid:int}/move"): MANAGERS,
    ("POST", "/staff/consultations/{id:int}/status"): MANAGERS,
    ("GET", "/staff/consultations/{id:int}/theming"): MANAGERS,
    ("POST", "/staff/consultations/{id:int}/theming"): MANAGERS,
    ("GET", "/staff/consultations/{id:int}/publish"): MANAGERS,
    ("POST", "/staff/consultations/{id:int}/publish"): MANAGERS,
    ("POST", "/staff/population"): MANAGERS,
    ("POST", "/staff/consultations/{id:int}/commitments"): MANAGERS,
    ("POST", "/staff/commitments/{kid:int}/status"): MANAGERS,
    ("GET", "/staff/consultations/{id:int}/export.{fmt:str}"): MANAGERS,
    ("POST", "/staff/questions/{qid:int}/themes"): MANAGERS,
    ("POST", "/staff/questions/{qid:int}/merge"): MANAGERS,
    ("POST", "/staff/questions/{qid:int}/undo"): MANAGERS,
    ("POST", "/staff/themes/{tid:int}/rename"): MANAGERS,
    ("POST", "/staff/themes/{tid:int}/delete"): MANAGERS,
    ("POST", "/staff/themes/{tid:int}/split"): MANAGERS,
    ("POST", "/staff/themes/{tid:int}/signoff"): MANAGERS,
    ("POST", "/staff/answers/{aid:int}/move"): MANAGERS,
    ("POST", "/staff/answers/{aid:int}/confirm"): MANAGERS,
    ("POST", "/staff/answers/{aid:int}/reject"): MANAGERS,
    ("POST", "/staff/proposals/{pid:int}/decide"): MANAGERS,
    ("GET", "/staff/service-areas"): MANAGERS,
    ("POST", "/staff/service-areas"): MANAGERS,
    ("POST", "/staff/service-areas/{aid:int}"): MANAGERS,
    ("GET", "/staff/forums"): MANAGERS,
    ("POST", "/staff/forums"): MANAGERS,
    ("GET", "/staff/consultations/{id:int}/imports"): MANAGERS,
    ("POST", "/staff/consultations/{id:int}/imports"): MANAGERS,
    ("GET", "/staff/imports/{job:int}"): MANAGERS,
    ("GET", "/staff/imports/{job:int}/columns"): MANAGERS,
    ("POST", "/staff/imports/{job:int}/columns"): MANAGERS,
    ("POST", "/staff/imports/{job:int}/confirm"): MANAGERS,
    # coalition members comment on themes and propose changes
    ("POST", "/staff/themes/{tid:int}/notes"): MANAGERS | {COALITION},
    ("POST", "/staff/questions/{qid:int}/proposals"): frozenset({COALITION}),
    # flagged comments: moderators, the safeguarding lead (its own flags only) and admins
    ("GET", "/staff/consultations/{id:int}/flags"): frozenset({ADMIN, MODERATOR, SAFEGUARDING}),
    ("POST", "/staff/consultations/{id:int}/flags/{aid:int}"): frozenset({ADMIN, MODERATOR, SAFEGUARDING}),
    # forum moderation and nominations
    ("GET", "/staff/moderation"): MANAGERS | {MODERATOR, SAFEGUARDING},
    ("POST", "/staff/moderation/posts/{pid:int}"): MANAGERS | {MODERATOR, SAFEGUARDING},
    ("GET", "/staff/moderation/log.csv"): MANAGERS | {MODERATOR, SAFEGUARDING},
    ("POST", "/staff/proposals/{pid:int}/hide"): MANAGERS | {MODERATOR},
    # staff accounts: administrators only; the set-up link (the link is the credential) for anyone
    ("GET", "/staff/users"): frozenset({ADMIN}),
    ("GET", "/staff/users/new"): frozenset({ADMIN}),
    ("POST", "/staff/users/new"): frozenset({ADMIN}),
    ("GET", "/staff/users/{uid:int}"): frozenset({ADMIN}),
    ("POST", "/staff/users/{uid:int}/role"): frozenset({ADMIN}),
    ("POST", "/staff/users/{uid:int}/deactivate"): frozenset({ADMIN}),
    ("POST", "/staff/users/{uid:int}/reactivate"): frozenset({ADMIN}),
    ("POST", "/staff/users/{uid:int}/two-step/reset"): frozenset({ADMIN}),
    ("POST", "/staff/users/{uid:int}/password/reset"): frozenset({ADMIN}),
    ("GET", "/staff/set-up"): PUBLIC,
    ("POST", "/staff/set-up"): PUBLIC,
}

# GETs that record who downloaded what (audit events), and nothing else.
GET_WRITES = {
    "/staff/consultations/{id:int}/export.{fmt:str}": {"audit_events"},
    "/staff/questions/{qid:int}/insight.csv": {"audit_events"},
}
# Staff GETs that answer with a redirect (elsewhere than the login page) by design.
GET_REDIRECTS = {
    "/staff/consultations/{id:int}/board",  # to the first question's board
    "/staff/account/two-step",  # back to "Your account" when no set-up is under way
}
# The second sign-in step sends anyone without a pending sign-in back to the first step.
LOGIN_FLOW = {"/staff/login/code"}


def app_routes() -> list[Route]:
    """Every route, in the order create_app mounts them (static files excepted)."""
    from engage.app import create_app  # noqa: F401  (the lists below are what it mounts)

    modules = [public, about_you, feedback_views, nominations, forum_views, auth, staff, users, review, insight]
    modules += [publishing, import_views, privacy]
    out = []
    for m in modules:
        for r in m.routes:
            if isinstance(r, Mount):
                continue
            assert isinstance(r, Route)
            out.append(r)
    return out


def endpoints() -> list[tuple[str, str]]:
    return [(m, r.path) for r in app_routes() for m in sorted(r.methods or {"GET"}) if m != "HEAD"]


def test_the_route_lists_are_what_the_app_serves(app):  # type: ignore[no-untyped-def]
    """The lists imported here are the app's own: same paths as the running router."""
    served = set()

    def walk(a):  # type: ignore[no-untyped-def]
        while a is not None:
            if hasattr(a, "router"):
                return a
            a = getattr(a, "app", None) or _closure_app(a)
        return None

    starlette_app = walk(app)
    assert starlette_app is not None, "could not find the Starlette app inside the middleware"
    served = {r.path for r in starlette_app.router.routes if isinstance(r, Route)}
    assert served == {r.path for r in app_routes()}, "the matrix does not see every route: update app_routes()"


def _closure_app(fn):  # type: ignore[no-untyped-def]
    for cell in getattr(fn, "__closure__", None) or ():
        value = cell.cell_contents
        if hasattr(value, "router"):
            return value
    return None


def test_every_route_is_in_the_table():
    missing = [f"{m} {p}" for m, p in endpoints() if (m, p) not in ACCESS]
    assert not missing, (
        "These routes are not in the access table of tests/test_route_matrix.py. Add each to ACCESS with "
        "the roles that may use it (PUBLIC for everyone):\n  " + "\n  ".join(missing)
    )
    stale = [f"{m} {p}" for (m, p) in ACCESS if (m, p) not in set(endpoints())]
    assert not stale, "ACCESS lists routes the app no longer has: " + ", ".join(stale)


# ---- the data world -------------------------------------------------------------------------------

_n = itertools.count(1)


@dataclass
class World:
    params: dict[str, dict[str, object]]  # path template → path parameters


def build_world(db: Session) -> World:
    n = next(_n)
    author = make_staff(db, role="officer")
    c = make_consultation(db, status="open")
    agreement, free_text, _choice = c.questions
    answers = make_comments(db, c, ["Rename the streets", "Keep the old names", "Ask the schools"])
    flagged = make_comments(db, c, ["You are all idiots"], flags=[{"kind": "abuse", "reason": "insult"}])
    theme = make_theme(db, free_text, answers=answers[:2], name=f"Renaming {n}")
    other = make_theme(db, free_text, answers=answers[2:], name=f"Schools {n}")
    tp = ThemeProposal(
        question_id=free_text.id, kind="rename", theme_ids=[theme.id], new_name="Better", proposer_id=author.id
    )
    db.add(tp)
    db.commit()
    kept = commitments.create(db, author.id, c.id, "Review every name", "Place team", "2027-03-31", theme.id)
    pc = make_proposals_consultation(db)
    proposal = make_proposal(db, pc)
    space = forums.spaces(db)[1 if len(forums.spaces(db)) > 1 else 0]
    posted = forums.post(
        db, space, display_name="Sam", text="More benches?", idempotency_key=str(uuid.uuid4()), title="Benches"
    )
    job = imports.upload(
        db,
        author.id,
        c.id,
        filename="paper.csv",
        content=csv_bytes([["Why do you feel that way?"], ["Because it matters"]]),
        channel=Channel.PAPER,
        audience=Audience.RESIDENT,
        held_on=None,
        place="",
        facilitator="",
    )
    area = feedback.add_area(db, author.id, f"Parks {n} {uuid.uuid4().hex[:6]}")
    by_name = {
        "slug": c.slug,
        "id": c.id,
        "qid": free_text.id,
        "tid": theme.id,
        "aid": answers[0].id,
        "kid": kept.id,
        "job": job.id,
        "step": about_you.STEPS[0][0],
        "fmt": "json",
        "pid": tp.id,
        "uid": author.id,
    }
    params: dict[str, dict[str, object]] = {}
    for _, path in endpoints():
        p = {k: v for k, v in by_name.items() if "{" + k + ":" in path}
        if path.startswith("/forums/"):
            p.update(slug=space.slug, tid=posted.thread_id, pid=posted.post_id)
        if path.startswith("/staff/moderation/posts/"):
            p["pid"] = posted.post_id
        if path.startswith("/staff/service-areas/"):
            p["aid"] = area.id
        if path == "/staff/proposals/{pid:int}/hide" or path.startswith("/consultations/{slug:str}/proposals/"):
            p["pid"] = proposal.id
        if path.endswith("/propose") or path.endswith("/support"):
            p["slug"] = pc.slug
        if path.startswith("/staff/consultations/{id:int}/flags/"):
            p["aid"] = flagged[0].id
        if path.startswith("/staff/questions/{qid:int}/merge"):
            p["qid"] = free_text.id
        if path.startswith("/staff/consultations/{id:int}/questions/{qid"):
            p["qid"] = agreement.id
        params[path] = p
    del other
    return World(params)


def url(world: World, path: str) -> str:
    p = world.params[path]

    def sub(m: re.Match[str]) -> str:
        return str(p[m.group(1)])

    return re.sub(r"\{(\w+):\w+\}", sub, path)


def snapshot(db: Session) -> dict[str, list[tuple]]:
    db.expire_all()
    out = {}
    for table in Base.metadata.sorted_tables:
        rows = db.execute(select(table)).all()
        out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    db.rollback()
    return out


def _changed(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> set[str]:
    return {t for t in before if before[t] != after.get(t)}


def _sign_in(client, db: Session, role: str) -> None:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    if role == ANON:
        return
    user = make_staff(db, role=role)
    token = csrf_from(client.get("/staff/login").text)
    r = client.post("/staff/login", data={"email": user.email, "password": TEST_PASSWORD, "csrftoken": token})
    assert r.status_code == 200 and "Consultations" in r.text, r.text[:300]


def _token(client) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get("/feedback").text)


def _sent_to_login(r) -> bool:  # type: ignore[no-untyped-def]
    return r.status_code in (302, 303, 307) and r.headers.get("location", "").rstrip("/").endswith("/staff/login")


@pytest.mark.parametrize("role", ROLES)
def test_role_route_matrix(client, db, role):  # type: ignore[no-untyped-def]
    world = build_world(db)
    _sign_in(client, db, role)
    problems: list[str] = []
    # GETs first; POSTs that remove things after the others; signing out last.
    destructive = ("/delete", "/merge", "/remove")
    order = sorted(endpoints(), key=lambda e: (e[0] != "GET", e[1] == "/staff/logout", e[1].endswith(destructive)))
    for method, path in order:
        allowed = ACCESS[(method, path)]
        may = allowed == PUBLIC or role in allowed  # type: ignore[operator]
        target = url(world, path)
        if method == "GET":
            before = snapshot(db)
            r = client.get(target, follow_redirects=False)
            changed = _changed(before, snapshot(db))
            if changed - GET_WRITES.get(path, set()):
                problems.append(f"GET {target} as {role} changed tables {sorted(changed)}")
        else:
            data = {"csrftoken": _token(client)}
            if path == "/staff/consultations/{id:int}/imports":  # multipart: the view checks the token
                files = {"file": ("a.csv", b"x\n1\n", "text/csv")}
                r = client.post(target, data=data, files=files, follow_redirects=False)
            else:
                r = client.post(target, data=data, follow_redirects=False)
        where = f"{method} {target} ({path}) as {role}: {r.status_code}"
        if r.status_code >= 500:
            problems.append(f"{where} (server error)")
        elif may:
            if r.status_code in (401, 403) or (_sent_to_login(r) and path not in LOGIN_FLOW):
                problems.append(f"{where}, expected to be allowed")
            elif (
                method == "GET"
                and path.startswith("/staff")
                and path != "/staff/login"
                and r.status_code != 200
                and not (path in GET_REDIRECTS | LOGIN_FLOW and r.status_code == 303)
            ):
                problems.append(f"{where}, expected 200")
        elif role == ANON:
            if not _sent_to_login(r):
                problems.append(f"{where}, expected 303 to /staff/login")
        elif r.status_code != 403:
            problems.append(f"{where}, expected 403")
    assert not problems, "\n".join(problems)


def test_tables_are_visible_to_the_snapshot(db):
    """The no-writes-on-GET check compares every table; make sure it sees them all."""
    names = {t.name for t in Base.metadata.sorted_tables}
    assert {"responses", "answers", "audit_events", "forum_posts", "import_jobs"} <= names
    assert db.execute(text("SELECT 1")).scalar() == 1
