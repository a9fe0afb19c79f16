"""The resident's journey in Chromium, with JavaScript on and off: one question per page, the
Change links on "Check your answers" both ways, save and come back with a code, a copy of the
response, and axe (WCAG 2.2 AA) on each new page and state. Staff pages at 320 px wide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import _violations
from tests.conftest import TEST_PASSWORD
from tests.factories import make_consultation, make_response, make_staff

pytestmark = pytest.mark.browser

STATEMENT = "The council should review names linked to slavery"


def _context(browser, javascript: bool):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    if not javascript:
        context.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _axe(page, name: str, problems: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    found = _violations(page)
    if found:
        problems[name] = found


def _heading(page):  # type: ignore[no-untyped-def]
    return page.get_by_role("heading", level=1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_one_question_per_page_change_links_save_and_return(browser, live_server, db, javascript):
    c = make_consultation(db, status="open", one_question_per_page=True, slug="park-plans", title="Park plans")
    context, page = _context(browser, javascript)
    problems: dict[str, list[str]] = {}

    page.goto(f"{live_server}/consultations/park-plans")
    page.get_by_role("button", name="Start now").click()
    expect(_heading(page)).to_have_text("Which of these best describes you?")
    page.get_by_role("button", name="Continue").click()  # nothing chosen: the error state
    expect(page.get_by_role("link", name="Select which of these best describes you")).to_be_visible()
    _axe(page, "step (error)", problems)
    page.get_by_label("Resident", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(_heading(page)).to_have_text(STATEMENT)
    page.get_by_role("button", name="Continue").click()
    agree_error = "Select how much you agree that the council should review names"
    expect(page.get_by_role("link", name=agree_error)).to_be_visible()
    page.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(_heading(page)).to_have_text("Why do you feel that way?")
    page.get_by_role("button", name="Previous question").click()
    expect(page.get_by_label("Agree", exact=True)).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    textarea = page.get_by_label("Why do you feel that way?")
    textarea.fill("Because names matter.")
    if javascript:  # the GOV.UK character count counts as you type
        textarea.press("End")  # the component counts on key up
        expect(page.get_by_text(re.compile(r"You have 9,979 characters remaining"))).to_be_visible()
    else:  # without JavaScript the limit is still said
        expect(page.get_by_text("You can enter up to 10,000 characters")).to_be_visible()
    _axe(page, "step (free text)", problems)

    # Save and come back later: a code on screen (no email is set up here).
    page.get_by_role("button", name="Save and come back later").click()
    expect(_heading(page)).to_have_text("Your answers have been saved")
    _axe(page, "draft saved", problems)
    code = page.get_by_test_id("draft-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert code not in page.url

    # Later, in a fresh browser: the consultation page → continue a saved response.
    context.close()
    context, page = _context(browser, javascript)
    page.goto(f"{live_server}/consultations/park-plans")
    page.get_by_role("link", name="Continue a saved response").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Enter the code you were given when you saved your response")).to_be_visible()
    _axe(page, "resume (error)", problems)
    page.get_by_label("Your code").fill(code.lower())
    page.get_by_role("button", name="Continue").click()
    # Everything needed was answered: straight to "Check your answers", with what was typed kept.
    expect(_heading(page)).to_have_text("Check your answers before sending your response")
    _axe(page, "check your answers", problems)
    # Change links both ways: to the one question, and back to check answers.
    page.get_by_role("button", name="Change your answer to: Why do you feel that way?").click()
    expect(_heading(page)).to_have_text("Why do you feel that way?")
    _axe(page, "change one answer", problems)
    page.get_by_label("Why do you feel that way?").fill("Names should honour people we are proud of.")
    page.get_by_role("button", name="Continue").click()
    expect(_heading(page)).to_have_text("Check your answers before sending your response")
    expect(page.get_by_text("Names should honour people we are proud of.")).to_be_visible()
    expect(page.get_by_text("Because names matter.")).to_have_count(0)
    page.get_by_role("button", name="Change your answer to: How should residents be involved?").click()
    page.get_by_label("Workshops").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("definition").filter(has_text="Workshops")).to_be_visible()
    page.get_by_role("button", name="Change which of these best describes you").click()
    page.get_by_label("Parent or carer", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(_heading(page)).to_have_text("Check your answers before sending your response")
    expect(page.get_by_text("Parent or carer")).to_be_visible()

    page.get_by_role("button", name="Accept and send").click()
    expect(_heading(page)).to_have_text("Response received")
    page.get_by_role("link", name="See, print, download or email a copy of your response").click()
    expect(page.get_by_text("Names should honour people we are proud of.")).to_be_visible()
    _axe(page, "copy of the response", problems)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your response as a text file").click()
    assert "Names should honour" in Path(download.value.path()).read_text(encoding="utf-8")

    # The draft went when the response was sent.
    page.goto(f"{live_server}/consultations/park-plans/resume")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name=re.compile("No saved response has this code"))).to_be_visible()
    context.close()
    assert c.id and not problems, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_new_public_pages_pass_axe(browser, live_server, db, javascript):
    make_consultation(db, status="closed", slug="closed-one", title="Closed one")
    make_consultation(db, status="open", slug="open-one", title="Open one")
    context, page = _context(browser, javascript)
    problems: dict[str, list[str]] = {}
    for path in (
        "/",
        "/privacy",
        "/consultations/open-one/privacy",
        "/cookies",
        "/contact",
        "/accessibility",
        "/consultations/closed-one",
        "/consultations/closed-one/results",
        "/consultations/open-one/resume",
        "/forums",
    ):
        page.goto(live_server + path)
        _axe(page, path, problems)
    page.goto(live_server + "/")
    expect(page.get_by_text(re.compile(r"Closed: results due by"))).to_be_visible()
    # The forum's full-name warning.
    page.goto(live_server + "/forums/parents-forum")
    page.get_by_label("Title").fill("Benches")
    page.get_by_label("Display name").fill("Sarah Jones")
    page.get_by_label("Your post").fill("More benches, please.")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_label("I want to use this name anyway")).to_be_visible()
    _axe(page, "forum full-name warning", problems)
    context.close()
    assert not problems, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)


def test_staff_pages_fit_320_pixels(browser, live_server, db):
    staff = make_staff(db, role="admin")
    c = make_consultation(db, status="open")
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server + "/staff/login")
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    too_wide = {}
    for path in (
        "/staff",
        "/staff/account",
        "/staff/moderation",
        f"/staff/consultations/{c.id}",
        f"/staff/consultations/{c.id}/edit",
        f"/staff/consultations/{c.id}/responses",
        f"/staff/consultations/{c.id}/report",
        "/",
    ):
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[path] = width
    context.close()
    assert not too_wide, f"wider than 320 px: {too_wide}"


def test_report_chart_labels_are_legible_in_print(browser, live_server, db):
    """On an A4 page (about 720 px between the margins) chart labels print at 9 pt (12 px) or more."""
    staff = make_staff(db, role="officer")
    c = make_consultation(db, status="published")
    agree = c.questions[0]
    for value in ("Agree", "Strongly agree", "Disagree"):
        make_response(db, c, {agree.id: value})
    context = browser.new_context(viewport={"width": 720, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server + "/staff/login")
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.emulate_media(media="print")
    sizes = {}
    for path in (f"/staff/consultations/{c.id}/report", f"/consultations/{c.slug}/results"):
        page.goto(live_server + path)
        heights = page.eval_on_selector_all(
            ".engage-chart text", "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert heights, f"no chart on {path}"
        sizes[path] = min(heights)
    context.close()
    assert all(h >= 12 for h in sizes.values()), f"smallest chart label, in px: {sizes}"
