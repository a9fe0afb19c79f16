from __future__ import annotations

from engage.security import password_problem
from engage.throttle import Throttle


def test_password_policy_rejects_short_and_common_passwords():
    assert "12 characters" in (password_problem("short") or "")
    assert password_problem("password1234") is not None
    assert password_problem("northbridge2026", "officer@northbridge.example") is not None
    assert password_problem("violet kettle marsh anchor") is None


def test_throttle_counts_per_key():
    t = Throttle()
    assert all(t.hit("3/minute", "login", "a@example.org") for _ in range(3))
    assert not t.hit("3/minute", "login", "a@example.org")
    assert t.hit("3/minute", "login", "b@example.org")
    t.clear("3/minute", "login", "a@example.org")
    assert t.hit("3/minute", "login", "a@example.org")


def test_throttle_in_memory_does_not_start_a_thread_per_hit(monkeypatch):
    import threading
    import time

    started = []

    class CountingTimer(threading.Timer):
        def start(self) -> None:
            started.append(self)
            super().start()

    monkeypatch.setattr(threading, "Timer", CountingTimer)
    t = Throttle()
    allowed = 0
    for i in range(100):  # over about 0.2 s: limits' own 10 ms timer would start some 20 threads
        allowed += t.hit("25/minute", "public-form", str(i % 2))
        time.sleep(0.002)
    assert allowed == 50  # 25 for each of the two addresses
    assert len(started) <= 2  # the one limits starts, and at most one once-a-second sweep


# ---- Issue 14: sessions, throttles, proxies, hosts, tokens, uploads, CSRF ------------------------

import dataclasses  # noqa: E402
import io  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import uuid  # noqa: E402
import zipfile  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from engage.app import create_app  # noqa: E402
from engage.models import ForumPost, Response, StaffUser  # noqa: E402
from engage.services import forums, imports  # noqa: E402
from engage.services.errors import ValidationFailed  # noqa: E402
from tests.conftest import TEST_PASSWORD, csrf_from, form_post  # noqa: E402
from tests.factories import (  # noqa: E402
    make_comments,
    make_consultation,
    make_proposal,
    make_proposals_consultation,
    make_staff,
    make_theme,
    xlsx_bytes,
)
from tests.pagecheck import check_response  # noqa: E402


def _copy_of(client: TestClient) -> TestClient:
    """A second browser holding a copy of the first one's cookies (a stolen or shared cookie)."""
    other = TestClient(client.app, base_url="http://testserver")
    for cookie in client.cookies.jar:
        other.cookies.set(cookie.name, cookie.value)
    return other


def _signed_in(c: TestClient) -> bool:
    r = c.get("/staff", follow_redirects=False)
    return r.status_code == 200


def test_sign_out_ends_every_copy_of_the_session(client, db, login):  # type: ignore[no-untyped-def]
    login("officer")
    c = make_consultation(db, status="closed")
    copy = _copy_of(client)
    assert _signed_in(copy)
    assert copy.get(f"/staff/consultations/{c.id}/export.comments.csv", follow_redirects=False).status_code == 200
    form_post(client, "/staff", "/staff/logout", {})
    assert not _signed_in(client)
    assert not _signed_in(copy)  # the copy taken before sign out no longer opens anything
    r = copy.get(f"/staff/consultations/{c.id}/export.comments.csv", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/staff/login")


@pytest.mark.parametrize("change", ["password", "role", "deactivate"])
def test_password_role_and_deactivation_end_sessions(client, db, login, sessions, change):  # type: ignore[no-untyped-def]
    user = login("officer")
    assert _signed_in(client)
    values = {
        "password": {"password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$changedchangedchanged"},
        "role": {"role": "coalition_member"},
        "deactivate": {"is_active": False},
    }[change]
    with sessions() as s:
        s.execute(update(StaffUser).where(StaffUser.id == user.id).values(**values))
        s.commit()
    assert not _signed_in(client)
    if change == "role":  # signing in again works, with the new role
        form_post(client, "/staff/login", "/staff/login", {"email": user.email, "password": TEST_PASSWORD})
        assert _signed_in(client)


def test_a_cookie_without_a_stamp_is_not_a_session(client, db, login):  # type: ignore[no-untyped-def]
    """A cookie signed before stamps existed (or forged without one) signs nobody in."""
    import base64
    import json

    from itsdangerous import TimestampSigner

    user = make_staff(db)
    now = int(__import__("time").time())
    data = base64.b64encode(json.dumps({"staff_id": user.id, "signed_in_at": now, "seen_at": now}).encode())
    cookie = TimestampSigner("test-secret-key-not-for-production").sign(data).decode()
    client.cookies.set("engage_session", cookie)
    assert not _signed_in(client)


def _respond(client, c):  # type: ignore[no-untyped-def]
    page = client.get(f"/consultations/{c.slug}/respond").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    agree, why, _ = c.questions
    return client.post(
        f"/consultations/{c.slug}/respond",
        data={
            "csrftoken": csrf_from(page),
            "idempotency_key": key,
            "audience": "resident",
            f"q{agree.id}": "Agree",
            f"q{why.id}": "More trees",
            "action": "submit",
        },
    )


def test_shared_device_keeps_nothing_after_thank_you(client, db):  # type: ignore[no-untyped-def]
    c = make_consultation(db)
    assert "Response received" in _respond(client, c).text
    page = client.get(f"/consultations/{c.slug}/about-you/religion")
    assert page.headers["cache-control"] == "no-store"
    client.post(
        f"/consultations/{c.slug}/about-you/religion", data={"answer": "Buddhist", "csrftoken": csrf_from(page.text)}
    )
    page = client.get(f"/consultations/{c.slug}/keep-in-touch")
    assert page.headers["cache-control"] == "no-store"
    client.post(
        f"/consultations/{c.slug}/keep-in-touch",
        data={"email": "sam@example.com", "notify": "y", "csrftoken": csrf_from(page.text)},
    )
    thanks = client.get(f"/consultations/{c.slug}/thank-you")
    assert thanks.status_code == 200 and thanks.headers["cache-control"] == "no-store"
    # The next person on this browser:
    for url in ("about-you/religion", "keep-in-touch", "about-you", "thank-you"):
        r = client.get(f"/consultations/{c.slug}/{url}", follow_redirects=False)
        assert r.status_code == 303, url
    assert "Buddhist" not in client.get(f"/consultations/{c.slug}/about-you/religion").text
    assert "sam@example.com" not in client.get(f"/consultations/{c.slug}/keep-in-touch").text
    # and the session cookie holds no reference, age or answer
    import base64

    raw = client.cookies.get("engage_session") or ""
    payload = base64.b64decode(raw.split(".")[0] + "==").decode(errors="replace")
    assert "receipt" not in payload and "reference" not in payload


def test_every_page_says_no_store_but_static_files(client, db):  # type: ignore[no-untyped-def]
    c = make_consultation(db)
    for url in ("/", f"/consultations/{c.slug}", f"/consultations/{c.slug}/respond", "/feedback", "/staff/login"):
        assert client.get(url).headers["cache-control"] == "no-store", url
    assert client.get("/static/css/engage.css").headers.get("cache-control") != "no-store"


# ---- sign-in throttles --------------------------------------------------------------------------


def _client_at(app, address: str) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app, base_url="http://testserver", client=(address, 50000))
    c.event_hooks["response"].append(check_response)
    return c


def _try(c: TestClient, email: str, password: str) -> int:
    return form_post(c, "/staff/login", "/staff/login", {"email": email, "password": password}).status_code


def test_someone_else_guessing_cannot_lock_the_real_person_out(app, db):  # type: ignore[no-untyped-def]
    user = make_staff(db)
    with _client_at(app, "203.0.113.9") as attacker, _client_at(app, "198.51.100.7") as real:
        codes = [_try(attacker, user.email, f"guess {i}") for i in range(8)]
        assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}
        r = form_post(attacker, "/staff/login", "/staff/login", {"email": user.email, "password": "guess 9"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        # the attacker's address is slowed down; the real person, elsewhere, signs in at once
        assert _try(real, user.email, TEST_PASSWORD) == 200


class _Clock:
    """Time for the rate limiter, moved by the test rather than waited for."""

    def __init__(self) -> None:
        import time as real

        self.now = real.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def limiter_clock(monkeypatch):  # type: ignore[no-untyped-def]
    import limits.storage.memory

    import engage.throttle

    clock = _Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr(engage.throttle, "time", clock)
    return clock


def _guesses_in_an_hour(app, limiter_clock, emails: list[str], every: float = 5.0) -> int:  # type: ignore[no-untyped-def]
    """A script guessing once every `every` seconds for an hour, from one address, cycling through
    `emails`: how many guesses were checked against a password (the rest were told to wait)."""
    checked = 0
    start = limiter_clock.now
    with _client_at(app, "203.0.113.50") as attacker:
        token = csrf_from(attacker.get("/staff/login").text)
        n = 0
        while limiter_clock.now < start + 3600:
            email = emails[n % len(emails)]
            r = attacker.post("/staff/login", data={"email": email, "password": f"guess {n}", "csrftoken": token})
            assert r.status_code in (400, 429)
            checked += r.status_code == 400
            n += 1
            limiter_clock.now += every
    return checked


def test_guesses_per_hour_per_account_and_per_address(app, db, limiter_clock):  # type: ignore[no-untyped-def]
    from engage.views import auth

    user = make_staff(db)
    per_account = _guesses_in_an_hour(app, limiter_clock, [user.email])
    limiter_clock.now += 2 * 86400
    spraying = _guesses_in_an_hour(app, limiter_clock, [f"person{i}@northbridge.example" for i in range(500)])
    # Figures for the closing note (pytest -s prints them).
    print(
        f"\nguesses checked per hour: one account from one address {per_account}; one address, any accounts {spraying}"
    )
    assert per_account == 20  # auth.PAIR_LIMITS: 5 a minute, 10 in 15 minutes, 20 an hour
    assert spraying == 60  # auth.ADDRESS_LIMITS: 30 in 15 minutes, 60 an hour
    assert auth.PAIR_LIMITS[2] == "20/hour" and auth.ADDRESS_LIMITS[1] == "60/hour"


def test_delays_grow_then_end(app, db, limiter_clock):  # type: ignore[no-untyped-def]
    user = make_staff(db)
    with _client_at(app, "203.0.113.60") as c:
        waits, failures = [], 0
        while failures < 40:  # auth.PAIR_LIMITS: 40 a day at most
            while _try(c, user.email, "wrong password here") == 400:
                failures += 1
            r = form_post(c, "/staff/login", "/staff/login", {"email": user.email, "password": "x"})
            waits.append(int(r.headers["retry-after"]))
            limiter_clock.now += waits[-1] + 1
        # a minute, then most of a quarter of an hour, ..., then the rest of the day
        assert waits[0] <= 60 < 10 * 60 < waits[1] <= 15 * 60
        assert waits[-1] > 3600 and max(waits) == waits[-1]
        assert failures == 40
        assert _try(c, user.email, TEST_PASSWORD) == 200  # after the wait, the right password works


# ---- proxies and hosts ---------------------------------------------------------------------------


def test_serve_trusts_proxy_headers_only_from_named_proxies(monkeypatch):  # type: ignore[no-untyped-def]
    import uvicorn
    from click.testing import CliRunner

    from engage import cli

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setattr(cli, "check_schema", lambda url: None)  # an in-memory database is never migrated
    env = {"ENGAGE_SECRET_KEY": "x", "ENGAGE_DATABASE_URL": "sqlite:///:memory:"}
    CliRunner().invoke(cli.main, ["serve"], env=env, catch_exceptions=False)
    CliRunner().invoke(cli.main, ["serve"], env={**env, "ENGAGE_TRUSTED_PROXIES": "10.0.0.5"}, catch_exceptions=False)
    assert calls[0]["proxy_headers"] is False and calls[0]["forwarded_allow_ips"] == ""
    assert calls[1]["proxy_headers"] is True and calls[1]["forwarded_allow_ips"] == "10.0.0.5"


def test_forged_forwarded_for_does_not_change_the_address(app, db):  # type: ignore[no-untyped-def]
    """As `engage serve` runs it by default (no trusted proxy), X-Forwarded-For is ignored: 40 guesses
    each claiming a fresh address are still one address."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    wrapped = ProxyHeadersMiddleware(app, trusted_hosts="")
    wrapped.state = app.state  # type: ignore[attr-defined]
    user = make_staff(db)
    with TestClient(wrapped, base_url="http://testserver", client=("203.0.113.70", 1)) as c:
        token = csrf_from(c.get("/staff/login").text)
        codes = [
            c.post(
                "/staff/login",
                data={"email": user.email, "password": f"guess {i}", "csrftoken": token},
                headers={"X-Forwarded-For": f"192.0.2.{i}"},
            ).status_code
            for i in range(40)
        ]
    assert codes.count(400) == 5 and codes.count(429) == 35


def test_forged_host_is_refused_and_never_in_a_redirect(client):  # type: ignore[no-untyped-def]
    r = client.get("/staff", headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 400
    assert "evil.example" not in r.headers.get("location", "")
    r = client.get("/staff", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("http://testserver/")


def test_allowed_hosts_setting():  # type: ignore[no-untyped-def]
    from engage.settings import Settings

    s = Settings.from_env({"ENGAGE_SECRET_KEY": "x", "ENGAGE_BASE_URL": "https://engage.northbridge.gov.uk"})
    assert s.allowed_hosts == ("engage.northbridge.gov.uk", "localhost", "127.0.0.1")
    s = Settings.from_env({"ENGAGE_SECRET_KEY": "x", "ENGAGE_ALLOWED_HOSTS": "a.example, b.example"})
    assert s.allowed_hosts == ("a.example", "b.example") and s.trusted_proxies == ""


# ---- public forms: single-use tokens, per-address limits -----------------------------------------


@pytest.fixture
def guarded_app(settings, sessions):  # type: ignore[no-untyped-def]
    # The checks on, with a fill time short enough for a test to pass without waiting.
    return create_app(dataclasses.replace(settings, min_fill_seconds=1e-9))


def _respond_fields(client, c):  # type: ignore[no-untyped-def]
    page = client.get(f"/consultations/{c.slug}/respond").text
    fields = dict(re.findall(r'name="(csrftoken|idempotency_key|form_started)" value="([^"]*)"', page))
    agree, why, _ = c.questions
    return {**fields, "action": "submit", "audience": "resident", f"q{agree.id}": "Agree", f"q{why.id}": "Trees"}


def test_a_form_token_sends_one_form(guarded_app, db, sessions):  # type: ignore[no-untyped-def]
    c = make_consultation(db)
    with TestClient(guarded_app) as client:
        data = _respond_fields(client, c)
        first = client.post(f"/consultations/{c.slug}/respond", data=data)
        assert "Response received" in first.text
        again = client.post(f"/consultations/{c.slug}/respond", data=data)  # a double click: same submission
        assert "Response received" in again.text
        codes = [
            client.post(
                f"/consultations/{c.slug}/respond", data={**data, "idempotency_key": uuid.uuid4().hex}
            ).status_code
            for _ in range(45)
        ]
    assert set(codes) == {409}  # the token is spent: 45 reuses store nothing
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 1


def test_a_form_with_a_mistake_can_be_corrected_and_sent(guarded_app, db, sessions):  # type: ignore[no-untyped-def]
    c = make_consultation(db)
    with TestClient(guarded_app) as client:
        data = _respond_fields(client, c)
        bad = client.post(f"/consultations/{c.slug}/respond", data={**data, "audience": ""})
        assert bad.status_code == 400
        assert "Response received" in client.post(f"/consultations/{c.slug}/respond", data=data).text


def test_supports_per_address_hold_without_cookies(settings, sessions, db):  # type: ignore[no-untyped-def]
    pc = make_proposals_consultation(db)
    p = make_proposal(db, pc)
    app = create_app(dataclasses.replace(settings, support_rate_limit="3/day"))
    counted = []
    with _client_at(app, "203.0.113.80") as c, _client_at(app, "198.51.100.80") as elsewhere:
        for _ in range(6):  # a fresh browser (no cookies) each time, from one address
            c.cookies.clear()
            r = form_post(c, f"/consultations/{pc.slug}", f"/consultations/{pc.slug}/proposals/{p.id}/support", {})
            counted.append(r.status_code)
        # another address is not affected
        url = f"/consultations/{pc.slug}"
        assert form_post(elsewhere, url, f"{url}/proposals/{p.id}/support", {}).status_code == 200
    assert counted[:3] == [200, 200, 200] and set(counted[3:]) == {429}


# ---- CSRF for every content type, and requests that used to answer 500 ----------------------------


def test_multipart_posts_with_cookies_are_checked_not_500(client, db):  # type: ignore[no-untyped-def]
    page = client.get("/feedback").text
    token = csrf_from(page)
    area = re.search(r'name="area"[^>]*value="(\d+)"', page)
    files = {"feedback": (None, "The bins were late"), "audience": (None, "resident")}
    if area:
        files["area"] = (None, area.group(1))
    r = client.post("/feedback", files=files, follow_redirects=False)  # no token
    assert r.status_code == 403
    r = client.post("/feedback", files={**files, "csrftoken": (None, token)}, follow_redirects=False)
    assert r.status_code in (200, 303, 400)  # the form was read and answered, not a server error
    r = client.post(
        "/staff/login", files={"csrftoken": (None, token), "email": (None, "a@b.c"), "password": (None, "x")}
    )
    assert r.status_code == 400 and "Enter a correct email address and password" in r.text


def test_malformed_multipart_and_odd_cookies_are_not_500(client):  # type: ignore[no-untyped-def]
    client.get("/feedback")
    for content_type in (
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary="unterminated',
        "multipart/form-data; boundary=" + "x" * 5000,
        "multipart/form-data;boundary=abc",
    ):
        r = client.post("/feedback", content=b"--abc\r\ngarbage", headers={"Content-Type": content_type})
        assert r.status_code in (400, 403), content_type
    raw = TestClient(client.app, base_url="http://testserver")
    for cookie in (b"engage_session=\xff\xfe; csrftoken=\xc3\x28", b"\xff\xff\xff", b'a="\x00;;;=;"'):
        assert raw.get("/", headers={"Cookie": cookie}).status_code == 200, cookie  # type: ignore[dict-item]
        r = raw.post("/feedback", headers={"Cookie": cookie}, data={"csrftoken": "x"})  # type: ignore[dict-item]
        assert r.status_code == 403, cookie


def test_far_future_dates_in_filters(client, db, login):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="open")
    login("officer")
    q = c.questions[1]
    assert client.get(f"/staff/questions/{q.id}/comments?to=9999-12-31").status_code == 200
    assert client.get(f"/staff/questions/{q.id}/comments?from=0001-01-01&to=9999-12-30").status_code == 200


def test_access_log_lines_cannot_be_forged(client, caplog):  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="engage.access"):
        client.get("/nothing%0d%0aINFO%20engage.access:%20POST%20/staff/login%20200")
    lines = [r.getMessage() for r in caplog.records if r.name == "engage.access"]
    assert lines and all("\n" not in line and "\r" not in line for line in lines)
    assert "\\x0d\\x0a" in lines[-1]


# ---- exports, idempotency, imports ---------------------------------------------------------------


def test_csv_cells_never_start_a_formula():  # type: ignore[no-untyped-def]
    from engage import csvsafe

    out = io.StringIO()
    csvsafe.writer(out).writerow(['=HYPERLINK("x")', "+1+1", "-2-2", "@SUM(A1)", "\tx", "fine", 3, "\uff0d1"])
    assert out.getvalue().startswith("\"'=HYPERLINK")
    assert ",'+1+1,'-2-2,'@SUM(A1),'\tx,fine,3,'\uff0d1" in out.getvalue()


def test_theme_names_in_insight_csv_are_escaped(client, db, login):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="closed")
    answers = make_comments(db, c, [f"Buses are late {i}" for i in range(12)])
    make_theme(db, c.questions[1], answers=answers, name='=HYPERLINK("http://evil.example","Buses")')
    login("officer")
    r = client.get(f"/staff/questions/{c.questions[1].id}/insight.csv")
    assert r.status_code == 200
    assert ",=HYPERLINK" not in r.text and "'=HYPERLINK" in r.text


def test_idempotency_keys_protect_only_their_own_form(client, db, sessions):  # type: ignore[no-untyped-def]
    c = make_consultation(db)
    key = "k" * 32
    from engage.models import Audience
    from engage.services import responses

    responses.submit(
        db,
        c,
        audience=Audience.RESIDENT,
        answers={c.questions[1].id: "PRIVATE RAW ANSWER"},
        idempotency_key=key,
    )
    space = forums.spaces(db)[-1]
    posted = forums.post(db, space, display_name="Sam", text="Hello all", idempotency_key=key, title="Hi")
    with sessions() as s:
        post = s.get(ForumPost, posted.post_id)
        assert post is not None
        text = s.scalar(select(func.count()).select_from(Response).where(Response.id == post.response_id))
        assert text == 1
        from engage.models import Answer

        answer = s.scalar(select(Answer.text).where(Answer.response_id == post.response_id))
    assert answer == "Hello all"  # its own answer, never the survey's
    # and the same forum post sent again is still one post
    again = forums.post(db, space, display_name="Sam", text="Hello all", idempotency_key=key, title="Hi")
    assert again.post_id == posted.post_id


def _bomb(shared_strings_bytes: int) -> bytes:
    """A real workbook with a shared-strings part that unpacks to a huge size (a zip bomb)."""
    good = xlsx_bytes([["Question"], ["answer"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        body = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        dst.writestr("xl/sharedStrings.xml", body + b"a" * shared_strings_bytes + b"</t></si></sst>")
    return out.getvalue()


def test_zip_bomb_workbooks_are_refused_before_parsing():  # type: ignore[no-untyped-def]
    import time

    bomb = _bomb(imports.MAX_XLSX_PART_BYTES["xl/sharedStrings.xml"] + 1)
    assert len(bomb) < 200_000  # small on the wire
    started = time.perf_counter()
    with pytest.raises(ValidationFailed, match="too large once unpacked"):
        imports.read_header(bomb, "xlsx")
    with pytest.raises(ValidationFailed, match="too large once unpacked"):
        imports.read_header_isolated(bomb, "bomb.xlsx")
    assert time.perf_counter() - started < 5


def test_headers_are_read_in_another_process():  # type: ignore[no-untyped-def]
    fmt, columns = imports.read_header_isolated(xlsx_bytes([["Why?", "Audience"], ["x", "resident"]]), "a.xlsx")
    assert (fmt, columns) == ("xlsx", ["Why?", "Audience"])
    with pytest.raises(ValidationFailed):
        imports.read_header_isolated(b"Why\n\x00\x00", "a.csv")


def test_row_limit(monkeypatch, db, sessions):  # type: ignore[no-untyped-def]
    from engage.models import Audience, Channel, ImportStatus

    monkeypatch.setattr(imports, "MAX_ROWS", 5)
    c = make_consultation(db, status="open")
    officer = make_staff(db)
    content = ("Why do you feel that way?\n" + "".join(f"reason {i}\n" for i in range(8))).encode()
    job = imports.upload(
        db, officer.id, c.id, filename="a.csv", content=content, channel=Channel.PAPER,
        audience=Audience.RESIDENT, held_on=None, place="", facilitator="",
    )  # fmt: skip
    why = c.questions[1]
    imports.save_mapping(db, officer.id, job.id, {why.id: "Why do you feel that way?"})
    imports.claim_next(db, "test")
    imports.run_job(sessions, job.id)
    with sessions() as s:
        done = imports.get_job(s, job.id)
        assert done.status == ImportStatus.FAILED and "more than 5 rows" in (done.error or "")


def test_import_batches_retry_reference_collisions(monkeypatch, db, sessions):  # type: ignore[no-untyped-def]
    from engage.models import Audience, Channel, ImportStatus
    from engage.services import responses

    c = make_consultation(db, status="open")
    officer = make_staff(db)
    taken = responses.submit(
        db, c, audience=Audience.RESIDENT, answers={c.questions[1].id: "x"}, idempotency_key=None
    ).reference
    real = responses.new_reference
    first = iter([taken])  # the first reference drawn collides with one already stored
    monkeypatch.setattr(imports, "new_reference", lambda: next(first, None) or real())
    content = ("Why do you feel that way?\n" + "".join(f"reason {i}\n" for i in range(30))).encode()
    job = imports.upload(
        db, officer.id, c.id, filename="a.csv", content=content, channel=Channel.PAPER,
        audience=Audience.RESIDENT, held_on=None, place="", facilitator="",
    )  # fmt: skip
    imports.save_mapping(db, officer.id, job.id, {c.questions[1].id: "Why do you feel that way?"})
    imports.claim_next(db, "test")
    imports.run_job(sessions, job.id)
    with sessions() as s:
        imports.claim_next(s, "test")
    with sessions() as s:
        imports.confirm(s, officer.id, job.id)
    with sessions() as s:
        imports.claim_next(s, "test")
    imports.run_job(sessions, job.id)
    with sessions() as s:
        done = imports.get_job(s, job.id)
        assert done.status == ImportStatus.DONE, done.error
        assert done.created_count == 30


def test_rate_limits_count_an_ipv6_household_once():  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from engage.security import client_address

    def at(host: str) -> str:
        return client_address(SimpleNamespace(client=SimpleNamespace(host=host)))  # type: ignore[arg-type]

    assert at("2001:db8:1:2:aaaa::1") == at("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert at("2001:db8:1:3::1") != at("2001:db8:1:2::1")
    assert at("203.0.113.5") == "203.0.113.5" and at("::ffff:203.0.113.5") == "203.0.113.5"
    assert at("testclient") == "testclient"


def test_uploads_are_csrf_checked_without_buffering_in_the_middleware(client, db, login, sessions):  # type: ignore[no-untyped-def]
    from engage.models import ImportJob

    c = make_consultation(db, status="open")
    login("officer")
    page = client.get(f"/staff/consultations/{c.id}/imports")
    files = {"file": ("a.csv", b"Why do you feel that way?\nBecause\n", "text/csv")}
    fields = {"channel": "paper", "audience": "resident"}
    r = client.post(f"/staff/consultations/{c.id}/imports", data=fields, files=files, follow_redirects=False)
    assert r.status_code == 403  # no token: refused by the view's own check
    data = {**fields, "csrftoken": csrf_from(page.text)}
    r = client.post(f"/staff/consultations/{c.id}/imports", data=data, files=files, follow_redirects=False)
    assert r.status_code == 303
    with sessions() as s:
        assert s.scalar(select(func.count(ImportJob.id))) == 1
    # a file sent anywhere else is refused before any view reads it
    r = client.post("/feedback", data={"csrftoken": csrf_from(page.text)}, files=files, follow_redirects=False)
    assert r.status_code == 400
