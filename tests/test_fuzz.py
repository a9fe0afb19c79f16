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
