"""axe-core on every page a crawler can reach, as a resident and as staff, with JavaScript on
and off: zero violations of the WCAG 2.0/2.1/2.2 A and AA rules."""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from engage.demo.loader import load_demo
from tests.conftest import TEST_PASSWORD
from tests.factories import make_consultation, make_staff

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SKIP = ("/static/", "/staff/logout")
MAX_PAGES = 80


def _shape(path: str) -> str:
    """Pages that differ only by ids are the same template: visit one of each."""
    return re.sub(r"/\d+", "/{id}", path)


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.evaluate(AXE)  # evaluate() is not subject to the page's CSP, unlike an injected <script>
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def _crawl(page, base: str, starts: list[str]) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    seen: set[str] = set()
    queue = deque(starts)
    problems: dict[str, list[str]] = {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if _shape(path) in seen:
            continue
        seen.add(_shape(path))
        page.goto(base + path)
        found = _violations(page)
        if found:
            problems[path] = found
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urlparse(urljoin(base + path, href))
            download = url.path.endswith((".csv", ".json")) or "/export" in url.path
            if url.netloc == urlparse(base).netloc and not url.path.startswith(SKIP) and not download:
                queue.append(url.path + (f"?{url.query}" if url.query else ""))
    assert len(seen) >= 4, f"the crawler only reached {seen}"
    return problems


@pytest.fixture
def demo(sessions, settings, nlp, db):  # type: ignore[no-untyped-def]
    load_demo(sessions, settings.spacy_model)
    make_consultation(db, status="open", slug="youth-safer-streets", title="Youth Parliament: safer streets")
    return make_staff(db, role="admin")


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_every_page_has_no_wcag_violations(browser, live_server, demo, javascript):
    context = browser.new_context()
    if not javascript:
        # The page as a browser without JavaScript sees it: none of our scripts run. (axe itself
        # needs JavaScript, so it is evaluated by Playwright rather than switched off entirely.)
        context.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = _crawl(page, live_server, ["/", "/accessibility", "/staff/login"])

    # Form states: the error summary and "check your answers".
    page.goto(f"{live_server}/consultations/youth-safer-streets/respond")
    page.get_by_role("button", name="Continue").click()
    problems.update({"respond (errors)": v for v in [_violations(page)] if v})
    page.get_by_label("Resident", exact=True).check()
    page.get_by_label("Agree", exact=True).check()
    page.get_by_label("Why do you feel that way?").fill("Safer crossings near schools, please.")
    page.get_by_role("button", name="Continue").click()
    problems.update({"check your answers": v for v in [_violations(page)] if v})

    page.goto(live_server + "/staff/login")
    page.get_by_role("button", name="Sign in").click()  # empty: the error state
    problems.update({"login (errors)": v for v in [_violations(page)] if v})
    page.get_by_label("Email address").fill(demo.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    problems.update(_crawl(page, live_server, ["/staff"]))
    context.close()
    assert not problems, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)
