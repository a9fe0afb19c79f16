"""Fuzzing the public forms, query strings and the import file parser (Hypothesis).

Public POST endpoints get arbitrary text in every field (control characters, right-to-left marks,
emoji, lone surrogates' neighbours, 100,000-character answers) and raw bodies with invalid UTF-8:
never a 5xx; an over-limit body gets 413; what comes back is escaped (no markup from input) and,
through the client's page checker, valid HTML. The import parser gets random bytes and random CSV:
a clear FileProblem or a table, never another exception.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.middleware import MAX_FORM_BYTES
from engage.services import feedback, forums, imports
from engage.services.errors import ValidationFailed
from tests.conftest import csrf_from
from tests.factories import make_consultation, make_proposal, make_proposals_consultation, make_staff

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

MARKERS = ['<script>alert("x")</script>', "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>']
NASTY = [
    "\u202e\u202dreversed\u200f",  # right-to-left override, left-to-right override, RLM
    "\x00\x01\x07\x1b[31m\x7f",  # control characters
    "😀👍🏽🏳️‍🌈 Zoë Ñandú 中文 عربى",
    "\r\n\r\n--boundary\r\n",
    "%00%FF&=;+",
    "a" * 100_000,  # a very long answer
    "   ",
    "",
]

text_values = st.one_of(
    st.text(max_size=200),
    st.sampled_from(NASTY),
    st.builds(lambda a, m, b: a + m + b, st.text(max_size=20), st.sampled_from(MARKERS), st.text(max_size=20)),
)


def _no_markup_from_input(html: str) -> None:
    for marker in MARKERS:
        assert marker not in html, f"unescaped input in the page: {marker}"
    for tag in ("<script>alert", "<img src=x", "<svg onload"):
        assert tag not in html, f"unescaped input in the page: {tag}"


def _field_names(html: str) -> list[str]:
    """The names of the fields of the page's POST forms (the CSRF token aside)."""
    names: list[str] = []
    for form in re.findall(r'<form[^>]*method="post".*?</form>', html, flags=re.S | re.I):
        for name in re.findall(r'<(?:input|textarea|select)[^>]*\sname="([^"]+)"', form):
            if name != "csrftoken" and name not in names:
                names.append(name)
    return names


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="open")
    pc = make_proposals_consultation(db)
    proposal = make_proposal(db, pc)
    officer = make_staff(db, role="officer")
    feedback.add_area(db, officer.id, f"Fuzzed area {uuid.uuid4().hex[:8]}")
    space = forums.spaces(db)[-1]
    posted = forums.post(
        db, space, display_name="Sam", text="More benches please", idempotency_key=str(uuid.uuid4()), title="Benches"
    )
    return {
        "respond": f"/consultations/{c.slug}/respond",
        "feedback": "/feedback",
        "propose": f"/consultations/{pc.slug}/propose",
        "support": (f"/consultations/{pc.slug}", f"/consultations/{pc.slug}/proposals/{proposal.id}/support"),
        "thread": f"/forums/{space.slug}",
        "reply": f"/forums/{space.slug}/{posted.thread_id}",
        "report": f"/forums/{space.slug}/{posted.thread_id}/posts/{posted.post_id}/report",
        "login": "/staff/login",
        "your_age": f"/consultations/{c.slug}/your-age",
        "slug": c.slug,
    }


PUBLIC_FORMS = ["respond", "feedback", "propose", "support", "thread", "reply", "report", "login"]


def _pages(world, which: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    target = world[which]
    return target if isinstance(target, tuple) else (target, target)


@pytest.mark.parametrize("which", PUBLIC_FORMS)
def test_public_forms_take_any_text(client, world, which):  # type: ignore[no-untyped-def]
    page, post = _pages(world, which)
    html = client.get(page).text
    token = csrf_from(html)
    names = _field_names(html) or ["email"]

    @FUZZ
    @given(
        values=st.lists(text_values, min_size=len(names), max_size=len(names)),
        action=st.sampled_from(["check", "submit", "change", ""]),
    )
    def run(values: list[str], action: str) -> None:
        data = dict(zip(names, values, strict=True))
        if "action" in data:
            data["action"] = action
        data["csrftoken"] = token
        r = client.post(post, data=data, follow_redirects=False)
        assert r.status_code < 500, (which, r.status_code)
        assert r.status_code in (200, 303, 400, 409, 429), (which, r.status_code, r.text[:300])
        _no_markup_from_input(r.text)

    run()


def _raw_body(pairs: list[tuple[bytes, bytes]], token: str) -> bytes:
    parts = [urllib.parse.quote_from_bytes(k) + "=" + urllib.parse.quote_from_bytes(v) for k, v in pairs]
    parts.append("csrftoken=" + token)
    return "&".join(parts).encode()


@pytest.mark.parametrize("which", PUBLIC_FORMS)
def test_public_forms_take_invalid_utf8(client, world, which):  # type: ignore[no-untyped-def]
    page, post = _pages(world, which)
    html = client.get(page).text
    token = csrf_from(html)
    names = [n.encode() for n in _field_names(html)] or [b"email"]

    @FUZZ
    @given(
        values=st.lists(st.binary(max_size=300), min_size=len(names), max_size=len(names)),
        junk=st.binary(max_size=200),
        percent_encode=st.booleans(),
    )
    def run(values: list[bytes], junk: bytes, percent_encode: bool) -> None:
        if percent_encode:  # invalid UTF-8 percent-encoded, as a browser would send it
            body = _raw_body(list(zip(names, values, strict=True)), token)
        else:  # raw bytes straight in the body, and some junk on the end
            body = b"&".join(n + b"=" + v.replace(b"&", b"") for n, v in zip(names, values, strict=True))
            body += b"&csrftoken=" + token.encode() + b"&" + junk
        r = client.post(
            post,
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        assert r.status_code < 500, (which, r.status_code)
        _no_markup_from_input(r.text)

    run()


@pytest.mark.parametrize("which", ["respond", "feedback", "thread"])
def test_over_limit_bodies_get_413(client, world, which):  # type: ignore[no-untyped-def]
    page, post = _pages(world, which)
    token = csrf_from(client.get(page).text)
    huge = "x" * (MAX_FORM_BYTES + 10)
    r = client.post(post, data={"csrftoken": token, "text": huge}, follow_redirects=False)
    assert r.status_code == 413
    # and a long answer well under the limit is an answer (or a clear error), not a failure
    names = _field_names(client.get(page).text)
    data = dict.fromkeys(names, "a" * 100_000)
    data["csrftoken"] = token
    r = client.post(post, data=data, follow_redirects=False)
    assert r.status_code in (200, 303, 400)


def test_query_strings(client, world, login):  # type: ignore[no-untyped-def]
    pages = ["/", f"/consultations/{world['slug']}", "/forums", "/feedback", "/commitments", world["respond"]]

    @FUZZ
    @given(
        page=st.sampled_from(pages),
        lang=st.one_of(st.text(max_size=40), st.sampled_from(NASTY[:5] + MARKERS)),
        raw=st.binary(max_size=40),
        extra=st.text(max_size=20),
    )
    def run(page: str, lang: str, raw: bytes, extra: str) -> None:
        r = client.get(page, params={"lang": lang, "page": extra, "after": extra}, follow_redirects=False)
        assert r.status_code < 500
        _no_markup_from_input(r.text)
        r = client.get(
            page + "?lang=" + urllib.parse.quote_from_bytes(raw) + "&page=" + urllib.parse.quote_from_bytes(raw)
        )
        assert r.status_code < 500

    run()


def test_staff_query_strings(client, db, login):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="open")
    q = next(q for q in c.questions if q.kind.value == "free_text")
    login("officer")
    pages = [
        f"/staff/consultations/{c.id}/responses",
        f"/staff/questions/{q.id}/comments",
        f"/staff/questions/{q.id}/board",
    ]

    @FUZZ
    @given(
        page=st.sampled_from(pages),
        params=st.dictionaries(
            st.sampled_from(
                ["page", "after", "q", "theme", "stance", "channel", "audience", "flag", "from", "to", "lang"]
            ),
            st.one_of(
                st.text(max_size=30), st.sampled_from(["-1", "0", "99999999999999999999", "1e9", "NaN", *MARKERS])
            ),
            max_size=5,
        ),
    )
    def run(page: str, params: dict[str, str]) -> None:
        r = client.get(page, params=params, follow_redirects=False)
        assert r.status_code < 500
        _no_markup_from_input(r.text)

    run()


# ---- the import parser ---------------------------------------------------------------------------


def _parse(content: bytes, fmt: str) -> None:
    """What the upload and the checking worker do with a file: the header, then every row."""
    try:
        imports.read_header(content, fmt)
        table = imports.open_table(content, fmt)
        for row in table.rows:
            assert all(isinstance(cell, str) for cell in row)
            table.fraction()
    except ValidationFailed as exc:
        assert exc.errors and all(isinstance(m, str) and m for m in exc.errors.values())


cells = st.one_of(
    st.text(max_size=30), st.sampled_from(['"', '""', "=SUM(A1)", "\r", "\n", ";", "\t", "\x00", *NASTY[:4]])
)


@settings(max_examples=150, deadline=None)
@given(content=st.binary(max_size=2000), fmt=st.sampled_from(["csv", "xlsx"]))
def test_import_parser_random_bytes(content: bytes, fmt: str) -> None:
    _parse(content, fmt)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.lists(cells, max_size=8), max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_import_parser_random_csv(rows: list[list[str]], encoding: str, delimiter: str) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    try:
        content = out.getvalue().encode(encoding)
    except UnicodeEncodeError:
        content = out.getvalue().encode("utf-8", "replace")
    _parse(content, "csv")


@settings(max_examples=60, deadline=None)
@given(content=st.binary(max_size=600), cut=st.integers(min_value=0, max_value=4000))
def test_import_parser_damaged_workbooks(content: bytes, cut: int) -> None:
    """A real .xlsx cut short or with bytes overwritten: a clear error, never a crash."""
    from tests.factories import xlsx_bytes

    good = xlsx_bytes([["Why do you feel that way?", "Audience"], ["Because", "resident"], [3.0, None]])
    damaged = good[:cut] + content + good[cut + len(content) :]
    _parse(damaged, "xlsx")
    _parse(good[:cut], "xlsx")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=500), filename=st.text(max_size=300))
def test_import_upload_service(db, content: bytes, filename: str) -> None:  # type: ignore[no-untyped-def]
    from engage.models import Audience, Channel

    c = make_consultation(db, status="open")
    officer = make_staff(db, role="officer")
    try:
        job = imports.upload(
            db,
            officer.id,
            c.id,
            filename=filename,
            content=content,
            channel=Channel.PAPER,
            audience=Audience.RESIDENT,
            held_on=None,
            place="",
            facilitator="",
        )
    except ValidationFailed as exc:
        db.rollback()
        assert exc.errors
    else:
        assert job.columns


# ---- every route: headers, cookies and multipart bodies (issue 14) ---------------------------------
#
# Every route the app serves, anonymous and signed in as an admin, gets requests of odd shapes:
# multipart bodies with good, missing, malformed and enormous boundaries, files where none are
# taken, Cookie headers that are not UTF-8, JSON, no content type, forged Host headers. Never a 5xx.
# The totals are printed (pytest -s) for the closing note: requests sent, and how many answered 500.

SENT = {"requests": 0, "server errors": 0}


@pytest.fixture(scope="module", autouse=True)
def _print_totals():  # type: ignore[no-untyped-def]
    yield
    if SENT["requests"]:
        print(f"\nfuzzing (this module): {SENT['requests']} requests sent, {SENT['server errors']} answered 500")


@pytest.fixture(autouse=True)
def _count_requests(request):  # type: ignore[no-untyped-def]
    """The page-checking client's requests count too (the public forms' and query strings' tests)."""
    if "client" in request.fixturenames:

        def note(response) -> None:  # type: ignore[no-untyped-def]
            SENT["requests"] += 1
            SENT["server errors"] += response.status_code >= 500

        request.getfixturevalue("client").event_hooks["response"].insert(0, note)


def _multipart(boundary: str, parts: list[tuple[str, bytes, bool]]) -> bytes:
    out = b""
    for name, value, is_file in parts:
        disposition = f'form-data; name="{name}"' + ('; filename="a.csv"' if is_file else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode("utf-8", "replace")
        out += value + b"\r\n"
    return out + f"--{boundary}--\r\n".encode("utf-8", "replace")


def _shapes(token: str) -> list[tuple[str, dict[str, bytes], bytes]]:
    """(name, headers, body) for each odd request shape."""
    ok = "XyZ123boundary"
    fields = [("csrftoken", token.encode(), False), ("text", "Zoë \u202e".encode(), False)]
    mp = b"multipart/form-data; boundary=" + ok.encode()
    return [
        ("multipart with the token", {"content-type": mp}, _multipart(ok, fields)),
        ("multipart without the token", {"content-type": mp}, _multipart(ok, fields[1:])),
        ("multipart with a file", {"content-type": mp}, _multipart(ok, [*fields, ("file", b"a,b\n1,2\n", True)])),
        ("multipart, no boundary", {"content-type": b"multipart/form-data"}, _multipart(ok, fields)),
        ("multipart, empty boundary", {"content-type": b"multipart/form-data; boundary="}, b"--\r\n\r\n"),
        ("multipart, unterminated", {"content-type": b'multipart/form-data; boundary="abc'}, b"--abc\r\nx"),
        ("multipart, huge boundary", {"content-type": b"multipart/form-data; boundary=" + b"b" * 3000}, b"--b\r\n"),
        ("multipart, wrong boundary", {"content-type": mp}, _multipart("other", fields)),
        ("multipart, truncated", {"content-type": mp}, _multipart(ok, fields)[:40]),
        ("multipart, binary boundary", {"content-type": b"multipart/form-data; boundary=\xff\xfe"}, b"\xff\xfe"),
        ("urlencoded, not UTF-8", {"content-type": b"application/x-www-form-urlencoded"}, b"csrftoken=\xff&a=\xc3("),
        ("json", {"content-type": b"application/json", "x-csrftoken": token.encode()}, b'{"a": [1, {"b": null}]}'),
        ("no content type, header token", {"x-csrftoken": token.encode()}, b"\x00\x01junk"),
        ("cookie not UTF-8", {"cookie": b"engage_session=\xff\xfe\xfd; csrftoken=\xc3\x28"}, b""),
        ("cookie malformed", {"cookie": b'=;;="\\\x00; a=b=c; csrftoken'}, b""),
        ("forged host", {"host": b"evil.example"}, b""),
        ("hx request, odd language", {"hx-request": b"true", "accept-language": b"\xff;q=abc, *;q=9"}, b""),
    ]


def _send(client, method: str, target: str, headers: dict[str, bytes], body: bytes):  # type: ignore[no-untyped-def]
    r = client.request(method, target, content=body or None, headers=headers, follow_redirects=False)
    SENT["requests"] += 1
    SENT["server errors"] += r.status_code >= 500
    return r


@pytest.fixture
def raw_clients(app, db):  # type: ignore[no-untyped-def]
    """An anonymous client and an admin's, without the page checker (speed; the shapes are the point)."""
    from starlette.testclient import TestClient

    from tests.conftest import TEST_PASSWORD

    admin = make_staff(db, role="admin")
    with TestClient(app) as anonymous, TestClient(app) as staff:
        token = csrf_from(staff.get("/staff/login").text)
        r = staff.post("/staff/login", data={"email": admin.email, "password": TEST_PASSWORD, "csrftoken": token})
        assert r.status_code == 200
        yield {"anonymous": anonymous, "admin": staff}


def test_every_route_takes_odd_headers_cookies_and_bodies(raw_clients, db):  # type: ignore[no-untyped-def]
    from tests.test_route_matrix import build_world, endpoints, url

    world = build_world(db)
    problems: list[str] = []
    for who, client in raw_clients.items():
        token = csrf_from(client.get("/feedback").text)
        for method, path in endpoints():
            if path == "/staff/logout" and who == "admin":
                continue  # the admin stays signed in for the routes after it
            target = url(world, path)
            for name, headers, body in _shapes(token):
                r = _send(client, method, target, headers, body if method == "POST" else b"")
                if r.status_code >= 500:
                    problems.append(f"{who} {method} {target} ({name}): {r.status_code}")
        if who == "admin":
            assert client.get("/staff", follow_redirects=False).status_code == 200, "the admin was signed out"
    assert not problems, "\n".join(problems[:30])


header_bytes = st.one_of(st.binary(max_size=60), st.sampled_from([b"", b"\xff\xfe", b"\r\n", b"a" * 2000]))


def test_random_headers_cookies_and_multipart_on_every_route(raw_clients, db):  # type: ignore[no-untyped-def]
    from tests.test_route_matrix import build_world, endpoints, url

    world = build_world(db)
    routes = [(m, p) for m, p in endpoints() if p != "/staff/logout"]
    tokens = {who: csrf_from(c.get("/feedback").text) for who, c in raw_clients.items()}

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        route=st.sampled_from(routes),
        who=st.sampled_from(sorted(raw_clients)),
        cookie=st.one_of(st.none(), header_bytes),
        content_type=st.sampled_from(["multipart", "urlencoded", "json", "none", "random"]),
        boundary=st.one_of(st.just("b0undary"), st.text(max_size=80)),
        parts=st.lists(
            st.tuples(
                st.one_of(st.sampled_from(["csrftoken", "file", "text", "email"]), st.text(max_size=20)),
                st.binary(max_size=200),
                st.booleans(),
            ),
            max_size=6,
        ),
        with_token=st.booleans(),
        extra=st.dictionaries(
            st.sampled_from(["hx-request", "accept-language", "x-csrftoken", "content-length", "hx-target"]),
            header_bytes,
            max_size=3,
        ),
        raw=st.binary(max_size=300),
    )
    def run(route, who, cookie, content_type, boundary, parts, with_token, extra, raw) -> None:  # type: ignore[no-untyped-def]
        method, path = route
        client = raw_clients[who]
        headers: dict[str, bytes] = {k: v for k, v in extra.items() if k != "content-length" or v.isdigit()}
        if cookie is not None:
            headers["cookie"] = cookie
        if with_token:
            parts = [("csrftoken", tokens[who].encode(), False), *parts]
        if content_type == "multipart":
            headers["content-type"] = b"multipart/form-data; boundary=" + boundary.encode("utf-8", "replace")
            body = _multipart(boundary, parts)
        elif content_type == "urlencoded":
            headers["content-type"] = b"application/x-www-form-urlencoded"
            pairs = [(urllib.parse.quote(k), urllib.parse.quote_from_bytes(v)) for k, v, _ in parts]
            body = "&".join(f"{k}={v}" for k, v in pairs).encode()
        elif content_type == "json":
            headers["content-type"] = b"application/json"
            body = raw
        elif content_type == "random":
            headers["content-type"] = raw[:40]
            body = raw
        else:
            body = raw
        headers.pop("content-length", None)  # the client sets the real one
        r = _send(client, method, url(world, path), headers, body if method == "POST" else b"")
        assert r.status_code < 500, (method, path, r.status_code, r.text[:300])

    run()
