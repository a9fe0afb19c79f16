"""The review workspace in a real browser, with htmx: merge two themes, move a comment, sign off,
publish, add a commitment and see it on the public accountability page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engage.models import AssignmentSource, Theme, ThemeAssignment
from tests.conftest import TEST_PASSWORD
from tests.factories import make_comments, make_consultation, make_staff, make_theme

pytestmark = pytest.mark.browser


def test_merge_move_sign_off_publish_and_commit(live_server, page, db, sessions):
    c = make_consultation(db, status="closed", title="Review, Rename, Reclaim")
    q = c.questions[1]
    heroes = make_comments(db, c, ["Name the estate after Olive Morris", "Honour Claudia Jones"], stance="support")
    history = make_comments(db, c, ["Teach the history of the street names in schools"], stance="support")
    cost = make_comments(db, c, ["New signs waste council money", "Plaques would explain the history instead"])
    make_theme(db, q, answers=heroes, name="Celebrate local heroes", response_text="We will ask residents.")
    make_theme(db, q, answers=history, name="Teach the history", response_text="We will work with schools.")
    make_theme(db, q, answers=cost, name="Cost of renaming", response_text="We will publish the costs.")
    officer = make_staff(db, role="officer")

    page.goto(live_server + "/staff/login")
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + f"/staff/consultations/{c.id}/board")
    expect(page.get_by_role("heading", level=1)).to_have_text("Theme board")

    # Merge two themes: one htmx request replaces the board (and the comment list out of band).
    page.get_by_label("Merge Celebrate local heroes").check()
    page.get_by_label("Merge Teach the history").check()
    page.get_by_label("Name of the merged theme").fill("Local Black history and heroes")
    page.get_by_role("button", name="Merge ticked themes").click()
    expect(page.get_by_role("heading", name="Local Black history and heroes", level=3)).to_be_visible()
    expect(page.get_by_test_id("board-error")).to_have_count(0)
    expect(page.get_by_role("heading", name="Celebrate local heroes", level=3)).to_have_count(0)
    assert page.evaluate("document.querySelector('h1').textContent") == "Theme board"  # no full reload needed

    # Move the plaques comment out of "Cost of renaming" into the merged theme.
    with sessions() as s:
        merged = s.scalars(select(Theme).where(Theme.name == "Local Black history and heroes")).one()
    row = page.locator(f"#comment-{cost[1].id}")
    row.get_by_label("to").select_option(label="Local Black history and heroes")
    row.get_by_role("button", name="Move").click()
    expect(row.get_by_text("Local Black history and heroes: placed by an officer")).to_be_visible()
    expect(page.locator(f"#theme-{merged.id}").get_by_test_id("theme-count")).to_contain_text("4 comments")
    with sessions() as s:
        placed = s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id == cost[1].id)).one()
        assert placed.theme_id == merged.id and placed.source == AssignmentSource.OFFICER

    # Undo is offered for the last change; sign off the merged theme.
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    page.locator(f"#theme-{merged.id}").get_by_role("button", name="Sign off").click()
    expect(page.locator(f"#theme-{merged.id}").get_by_text("Signed off", exact=True)).to_be_visible()

    # Publish.
    page.get_by_role("link", name="Publish").click()
    page.get_by_role("button", name="Save and publish results").click()
    expect(page.get_by_text("Results published. Everyone can now see")).to_be_visible()

    # A commitment, then the public accountability page.
    page.get_by_role("link", name="Commitments").click()
    page.get_by_label("What the council will do").fill("Name the new estate after a local Black hero")
    page.get_by_label("Owner (a team or role)").fill("Regeneration team")
    page.get_by_label("Due date").fill("2027-06-30")
    page.get_by_role("button", name="Add commitment").click()
    expect(page.get_by_text("Commitment added.")).to_be_visible()

    page.goto(live_server + "/commitments")
    expect(page.get_by_role("heading", level=1)).to_have_text("What the council committed to")
    expect(page.get_by_role("heading", name="Name the new estate after a local Black hero")).to_be_visible()
    expect(page.get_by_text("Regeneration team")).to_be_visible()
    page.goto(live_server + f"/consultations/{c.slug}/results")
    expect(page.get_by_role("heading", name="Local Black history and heroes")).to_be_visible()
    expect(page.get_by_role("heading", name="What we committed to")).to_be_visible()
