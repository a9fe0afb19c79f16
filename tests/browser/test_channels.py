"""Each channel in a real browser: equality questions after a response, a young person's journey,
an officer's import with its progress bar, and the feedback form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engage.models import EqualityAnswers, ImportJob, Response, ResponseContact
from tests.conftest import TEST_PASSWORD
from tests.factories import csv_bytes, make_consultation, make_staff

pytestmark = pytest.mark.browser


def _answer(page, live_server, c):  # type: ignore[no-untyped-def]
    page.get_by_label("Resident", exact=True).check() if page.get_by_label("Resident", exact=True).count() else None
    page.get_by_role("group", name=re.compile("review names")).get_by_label("Agree", exact=True).check()
    page.get_by_label("Why do you feel that way?").fill("Our street should honour someone we are proud of.")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Accept and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response received")


def test_equality_questions_after_a_response(live_server, page, db, sessions):
    c = make_consultation(db)
    page.goto(f"{live_server}/consultations/{c.slug}/respond")
    _answer(page, live_server, c)
    page.get_by_role("link", name="Answer questions about you (optional)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions about you")
    page.get_by_role("link", name="Answer the questions").click()
    page.get_by_label("45 to 54").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Prefer not to say").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Mixed or Multiple ethnic groups").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mixed or Multiple ethnic groups background")
    page.get_by_label("White and Black Caribbean").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Skip the rest of these questions").click()
    page.get_by_label("Email address (optional)").fill("resident@example.com")
    page.get_by_label("Email me when the results are published").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for taking part")
    with sessions() as s:
        eq = s.scalars(select(EqualityAnswers)).one()
        assert (eq.age_band, eq.sex, eq.ethnic_group_detail, eq.religion) == (
            "45 to 54",
            "Prefer not to say",
            "White and Black Caribbean",
            None,
        )
        assert s.scalars(select(ResponseContact.email)).one() == "resident@example.com"


def test_young_person_under_13(live_server, page, db, sessions):
    c = make_consultation(db, young_people=True, audiences=["young_person"])
    page.goto(f"{live_server}/consultations/{c.slug}")
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How old are you?")
    page.get_by_label("Under 13").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What we do with your answers")
    page.get_by_role("link", name="Continue to the questions").click()
    page.get_by_label("Young person (under 18)").check()
    _answer(page, live_server, c)
    expect(page.get_by_test_id("support")).to_contain_text("0800 1111")
    expect(page.get_by_role("link", name="Get an email when the results are published")).to_have_count(0)
    with sessions() as s:
        assert s.scalars(select(EqualityAnswers.age_band)).one() == "Under 13"


def test_officer_imports_workshop_notes_with_a_progress_bar(live_server, page, db, sessions, tmp_path):
    c = make_consultation(db)
    officer = make_staff(db, role="officer")
    rows = [["Agree?", "Notes"]] + [["Agree", f"Workshop note {i}: more trees on the high street"] for i in range(3000)]
    rows.append(["Agree", "=CMD()"])
    path = tmp_path / "workshop.csv"
    path.write_bytes(csv_bytes(rows))

    page.goto(live_server + "/staff/login")
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/staff/consultations/{c.id}/imports")
    page.get_by_label("Upload a file").set_input_files(str(path))
    page.get_by_label("A workshop or listening session (notes)").check()
    page.get_by_label("Place (optional)").fill("Eastside Library")
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Match the columns to questions")
    page.get_by_label("The council should review names linked to slavery").select_option("Agree?")
    page.get_by_label("Why do you feel that way?").select_option("Notes")
    page.get_by_role("button", name="Check the rows").click()
    # htmx polls while the worker checks, without a reload.
    expect(page.get_by_test_id("import-summary")).to_contain_text(
        "3,000 ready to import, 1 with errors", timeout=60_000
    )
    expect(page.get_by_test_id("row-errors")).to_contain_text("formula")
    page.get_by_role("button", name="Import 3,000 responses").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Imported", timeout=120_000)
    with sessions() as s:
        job = s.scalars(select(ImportJob)).one()
        assert job.created_count == 3000
        assert s.scalars(select(Response.channel).distinct()).all() == ["workshop"]


def test_feedback_form(live_server, page, db, sessions):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Give feedback about a council service").click()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what your feedback is about")
    page.get_by_label("Parks and open spaces").check()
    page.get_by_label("Your feedback").fill("The playground swings have been broken for a month.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback sent")
    with sessions() as s:
        assert s.scalars(select(Response.channel)).one() == "feedback"


def test_nominations_propose_and_support(live_server, page, db, sessions):
    from tests.factories import make_proposal, make_proposals_consultation

    c = make_proposals_consultation(db)
    existing = make_proposal(db, c, title="Olive Morris Square")
    page.goto(f"{live_server}/consultations/{c.slug}")
    page.get_by_role("button", name="Make a proposal").click()
    page.get_by_label("Your proposal").fill("Claudia Jones Square")
    page.get_by_label("Why does it matter?").fill("She started the carnival that brings the whole area together.")
    page.get_by_label("Resident", exact=True).check()
    page.get_by_role("button", name="Send proposal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposal sent")

    page.goto(f"{live_server}/consultations/{c.slug}")
    expect(page.get_by_role("heading", name="Claudia Jones Square")).to_be_visible()
    # htmx swaps just the proposal's card; a second click is not possible, and not counted.
    page.get_by_role("button", name="Support Olive Morris Square").click()
    expect(page.get_by_test_id(f"supporters-{existing.id}")).to_have_text("1 supporter")
    expect(page.get_by_role("button", name="Support Olive Morris Square")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id(f"supporters-{existing.id}")).to_have_text("1 supporter")


def test_forums_premoderated_youth_post_approved_and_reply_with_htmx(live_server, page, db, sessions):
    from engage.services import forums

    forums.spaces(db)
    moderator = make_staff(db, role="moderator")
    page.goto(live_server + "/")
    page.get_by_role("link", name="Forums").click()
    page.get_by_role("link", name="Youth forum").click()
    page.get_by_label("Title").fill("A skate park for Eastside")
    page.get_by_label("Display name").fill("Kai")
    page.get_by_label("Your post").fill("There is nowhere for us to skate.")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_text("will appear after a moderator has checked it")).to_be_visible()
    expect(page.get_by_role("link", name="A skate park for Eastside")).to_have_count(0)

    page.goto(live_server + "/staff/login")
    page.get_by_label("Email address").fill(moderator.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Moderation").click()
    page.get_by_role("button", name="Approve the post by Kai").click()
    expect(page.get_by_text("Post approved.")).to_be_visible()

    page.goto(live_server + "/forums/parents-forum")
    page.get_by_label("Title").fill("Crossing on Beckwith Road")
    page.get_by_label("Display name").fill("Jo")
    page.get_by_label("Your post").fill("We need a crossing.")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Crossing on Beckwith Road")
    url = page.url
    # htmx posts the reply and swaps the thread in place.
    page.get_by_label("Display name").fill("Sam")
    page.get_by_label("Your post").fill("Agreed: my children cross there every day.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_test_id("notice")).to_have_text("Your post has been published.")
    expect(page.get_by_text("Agreed: my children cross there every day.")).to_be_visible()
    assert page.url == url
    page.goto(live_server + "/forums/youth-forum")
    expect(page.get_by_role("link", name="A skate park for Eastside")).to_be_visible()
