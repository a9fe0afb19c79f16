"""Keyboard only: Tab, Shift+Tab, Space and Enter (and typing into fields); never a click.

A resident answers a consultation end to end; an empty submission puts focus on the error summary;
an officer signs off a theme on the theme board. Every element reached has a visible focus style.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD
from tests.factories import make_comments, make_consultation, make_staff, make_theme

pytestmark = pytest.mark.browser

# The styles that can show focus, for the element and (GOV.UK radios and checkboxes) its label's ::before.
STYLE_JS = """
(el) => {
  const pick = (s) => [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor,
                       s.color, s.textDecorationLine, s.textDecorationThickness, s.borderColor].join('|');
  let target = el, pseudo = null;
  if (el.type === 'radio' || el.type === 'checkbox') {
    target = el.labels && el.labels[0]; pseudo = '::before';
  }
  return target ? pick(getComputedStyle(target, pseudo)) : '';
}
"""


def tab_to(page: Page, js_test: str, *, shift: bool = False, limit: int = 120) -> None:
    """Press Tab (or Shift+Tab) until the focused element passes js_test (a JS function of it)."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if shift else "Tab")
        if page.evaluate(f"() => ({js_test})(document.activeElement)"):
            assert_focus_visible(page)
            return
    raise AssertionError(f"Tab never reached an element for: {js_test}")


def assert_focus_visible(page: Page) -> None:
    focused = page.evaluate(f"() => ({STYLE_JS})(document.activeElement)")
    handle = page.evaluate_handle("document.activeElement")
    description = page.evaluate("(e) => e.outerHTML.slice(0, 120)", handle)
    page.evaluate("(e) => e.blur()", handle)
    unfocused = page.evaluate(f"(e) => ({STYLE_JS})(e)", handle)
    page.evaluate("(e) => e.focus()", handle)
    assert focused != unfocused, f"no visible focus style on {description}"


def by_text(text: str) -> str:
    return f"(e) => (e.innerText || e.value || '').trim().startsWith({text!r})"


def by_label(text: str) -> str:
    return f"(e) => !!(e.labels && e.labels[0] && e.labels[0].innerText.trim().startsWith({text!r}))"


def test_answer_a_consultation_with_the_keyboard(live_server, page, db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="open", title="Keyboard review")
    page.goto(f"{live_server}/consultations/{c.slug}")
    tab_to(page, by_text("Start now"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Continue")).to_be_visible()

    # Sent empty: the error summary takes focus (govuk-frontend's JavaScript).
    tab_to(page, by_text("Continue"))
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()

    # Answer, all with the keyboard.
    tab_to(page, by_label("Resident"))
    page.keyboard.press("Space")
    tab_to(page, by_label("Strongly agree"))
    page.keyboard.press("Space")
    tab_to(page, "(e) => e.tagName === 'TEXTAREA'")
    page.keyboard.type("Name the road after someone the street is proud of.")
    tab_to(page, by_label("Workshops"))
    page.keyboard.press("Space")
    # Shift+Tab back to the text box and on again: focus order works both ways.
    tab_to(page, "(e) => e.tagName === 'TEXTAREA'", shift=True)
    tab_to(page, by_text("Continue"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your response")
    tab_to(page, by_text("Accept and send"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Response received")


def test_theme_board_with_the_keyboard(live_server, page, db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="closed", title="Board by keyboard")
    q = c.questions[1]
    answers = make_comments(db, c, ["Name the estate after Olive Morris", "Honour Claudia Jones"], stance="support")
    theme = make_theme(db, q, answers=answers, name="Celebrate local heroes")
    officer = make_staff(db, role="officer")

    page.goto(f"{live_server}/staff/login")
    tab_to(page, by_label("Email address"))
    page.keyboard.type(officer.email)
    tab_to(page, by_label("Password"))
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultations")

    page.goto(f"{live_server}/staff/consultations/{c.id}/board")
    expect(page.get_by_role("heading", level=1)).to_have_text("Theme board")
    card = page.locator(f"#theme-{theme.id}")
    tab_to(page, f"(e) => !!e.closest('#theme-{theme.id}') && e.tagName === 'BUTTON' && ({by_text('Sign off')})(e)")
    page.keyboard.press("Enter")
    expect(card.get_by_text("Signed off", exact=True)).to_be_visible()
    # The card was replaced (htmx): the keyboard can reach its new action too.
    tab_to(page, f"(e) => !!e.closest('#theme-{theme.id}') && ({by_text('Withdraw sign-off')})(e)", limit=300)
    page.keyboard.press("Space")
    expect(card.get_by_role("button", name="Sign off")).to_be_visible()
