from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from engage.views.pages import COOKIES
from tests.conftest import csrf_from
from tests.factories import make_consultation


@pytest.fixture
def council(client, settings):  # type: ignore[no-untyped-def]
    """Another council's details, as its settings would give them."""
    client.app.state.settings = dataclasses.replace(
        settings,
        council_name="Eastford Borough Council",
        council_email="haveyoursay@eastford.example",
        council_phone="01234 567890",
        council_address="Civic Centre, Eastford EF1 2AB",
        dpo_email="dpo@eastford.example",
        accessibility_prepared="2026-11-30",
        accessibility_reviewed="2026-12-01",
        retention_days=180,
        draft_days=14,
    )
    return client.app.state.settings


@pytest.mark.parametrize("path", ["/privacy", "/cookies", "/contact", "/accessibility"])
def test_footer_links_to_every_required_page(client, path):
    home = client.get("/")
    assert f'class="govuk-footer__link" href="{path}"' in home.text
    assert client.get(path).status_code == 200


def test_privacy_notice_names_controller_bases_retention_rights_and_dpo(client, council):
    page = client.get("/privacy").text
    assert "Eastford Borough Council is the data controller" in page
    assert "dpo@eastford.example" in page and "Civic Centre, Eastford EF1 2AB" in page
    assert "Article 6(1)(e)" in page and "Article 6(1)(a)" in page
    assert "Article 9(2)(g)" in page and "Schedule 1, paragraph 8" in page  # the equality-data condition
    assert "deleted 180 days after the consultation closes" in page
    assert "deleted 14 days after you last saved it" in page
    assert "Information Commissioner" in page and 'href="/erase"' in page


def test_each_consultation_has_its_privacy_notice_with_its_dates(client, db, council):
    c = make_consultation(db, closes_on=dt.date(2027, 1, 31))
    page = client.get(f"/consultations/{c.slug}/privacy")
    assert page.status_code == 200
    assert c.title in page.text and "30 July 2027" in page.text  # closes_on + 180 days
    assert f'href="/consultations/{c.slug}/privacy"' in client.get(f"/consultations/{c.slug}/respond").text
    assert client.get("/consultations/no-such-consultation/privacy").status_code == 404


def test_contact_page_uses_the_councils_details(client, council):
    page = client.get("/contact").text
    assert "haveyoursay@eastford.example" in page and "01234 567890" in page and "Civic Centre" in page


def test_accessibility_statement_follows_the_public_sector_model(client, council):
    page = client.get("/accessibility").text
    for heading in (
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert heading in page, heading
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA" in page
    assert "Equality Advisory and Support Service" in page
    assert "prepared on 30 November 2026" in page and "last reviewed on 1 December 2026" in page
    assert "haveyoursay@eastford.example" in page
    assert "zoom in up to 400% without" in page and "%%" not in page


def _cookie_names(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {h.split("=", 1)[0].strip() for h in response.headers.get_list("set-cookie")}


def test_cookies_page_lists_exactly_the_cookies_the_service_sets(client, db):
    c = make_consultation(db)
    seen: set[str] = set()
    for path in ("/", "/?lang=en", f"/consultations/{c.slug}/respond", "/erase", "/forums", "/staff/login"):
        seen |= _cookie_names(client.get(path))
    page = client.get(f"/consultations/{c.slug}/respond")
    agree, why, _ = c.questions
    data = {
        "csrftoken": csrf_from(page.text),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1),
        "audience": "resident",
        f"q{agree.id}": "Agree",
        f"q{why.id}": "Because.",
        "action": "submit",
    }
    seen |= _cookie_names(client.post(f"/consultations/{c.slug}/respond", data=data, follow_redirects=False))
    listed = {name for name, _, _ in COOKIES}
    assert seen <= listed, f"set but not on the cookies page: {seen - listed}"
    assert listed <= seen, f"on the cookies page but never set: {listed - seen}"
    cookies_page = client.get("/cookies").text
    for name in listed:
        assert f"<code>{name}</code>" in cookies_page
