"""The whole path in a real browser: a resident answers the naming review, an officer themes
the answers, writes the council's response and publishes, and the resident's theme is public."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engage.demo.loader import create_from_document, demo_documents
from engage.models import Answer, Response, Theme, ThemeAssignment
from tests.conftest import TEST_PASSWORD
from tests.factories import make_staff

pytestmark = pytest.mark.browser

RESIDENT_WORDS = (
    "Beckwith Road is named after a man who made his fortune from enslaved people. "
    "Our children walk down it every day; it should honour someone the community is proud of."
)


def _naming_review(db):  # type: ignore[no-untyped-def]
    doc = next(d for d in demo_documents() if d["slug"] == "review-rename-reclaim")
    # Open now: a consultation follows its dates, and the demo's closed months ago.
    today = dt.date.today()
    dates = {"opens_on": str(today - dt.timedelta(days=30)), "closes_on": str(today + dt.timedelta(days=30))}
    doc = {**doc, **dates, "status": "open", "codebook": [], "responses": doc["responses"][:80]}
    cid, _ = create_from_document(db, doc)
    return cid, doc


def test_resident_to_published_results(live_server, page, db, sessions):
    cid, doc = _naming_review(db)
    officer = make_staff(db, role="officer")

    # A resident answers, with JavaScript on.
    page.goto(live_server + "/")
    page.get_by_role("link", name=doc["title"]).click()
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Resident", exact=True).check()
    page.get_by_role("group", name=re.compile(re.escape(doc["questions"][0]["text"][:40]))).get_by_label(
        "Agree", exact=True
    ).check()
    page.get_by_label(doc["questions"][1]["text"]).fill(RESIDENT_WORDS)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your response")
    page.get_by_role("button", name="Accept and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response received")
    reference = page.get_by_test_id("reference").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", reference)

    # An officer signs in, closes the consultation and runs theming.
    page.goto(live_server + "/staff/login")
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=doc["title"]).click()
    page.get_by_role("button", name="Close consultation").click()
    expect(page.get_by_text("The consultation is now closed.")).to_be_visible()
    page.get_by_role("link", name="Run theming").click()
    page.get_by_role("button", name="Run theming").click()
    # The page polls with htmx while the worker runs, without a reload.
    expect(page.get_by_test_id("job-status")).to_have_text("Done", timeout=120_000)

    # Review: open a theme's comments as an htmx partial.
    page.get_by_role("link", name="Review themes").click()
    page.locator("#theme-panel").wait_for()
    page.locator("a[hx-get^='/staff/themes/']").first.click()
    expect(page.locator("#theme-comments")).to_be_visible()

    # Write "what we will do" for every theme, then publish.
    page.get_by_role("link", name="Publish").click()
    boxes = page.locator("textarea")
    for i in range(boxes.count()):
        boxes.nth(i).fill(f"We will take this to the naming panel in March 2027 (item {i + 1}).")
    page.get_by_role("button", name="Save and publish results").click()
    expect(page.get_by_text("Results published. Everyone can now see")).to_be_visible()

    with sessions() as s:
        names = s.scalars(
            select(Theme.name)
            .join(ThemeAssignment, ThemeAssignment.theme_id == Theme.id)
            .join(Answer, Answer.id == ThemeAssignment.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.reference == reference)
        ).all()
    assert names, "the resident's comment was not placed in any theme"

    # The public sees the resident's theme and the council's response.
    page.goto(live_server + f"/consultations/{doc['slug']}/results")
    expect(page.get_by_role("heading", level=1)).to_have_text("You said, we did")
    for name in names:
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text("We will take this to the naming panel in March 2027").first).to_be_visible()
    assert cid
