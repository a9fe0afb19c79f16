"""Nominations and ideas through HTTP: propose with a reason, support once, with and without htmx."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engage.models import Proposal, ProposalSupport
from tests.conftest import csrf_from
from tests.factories import make_proposal, make_proposals_consultation


def test_propose_then_see_it_listed(client, db, sessions):
    c = make_proposals_consultation(db)
    page = client.get(f"/consultations/{c.slug}")
    assert "Make a proposal" in page.text and "No proposals yet" in page.text
    assert client.get(f"/consultations/{c.slug}/respond").url.path == f"/consultations/{c.slug}/propose"
    form = client.get(f"/consultations/{c.slug}/propose")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text).group(1)
    missing = client.post(
        f"/consultations/{c.slug}/propose", data={"csrftoken": csrf_from(form.text), "idempotency_key": key}
    )
    assert missing.status_code == 400 and 'href="#title"' in missing.text and 'href="#reason"' in missing.text
    data = {
        "csrftoken": csrf_from(form.text),
        "idempotency_key": key,
        "title": "Olive Morris Square",
        "reason": "She organised the community here",
        "audience": "resident",
    }
    r = client.post(f"/consultations/{c.slug}/propose", data=data)
    assert "Proposal sent" in r.text and "Response received" not in r.text and "Answer questions about you" in r.text
    listed = client.get(f"/consultations/{c.slug}")
    assert "Olive Morris Square" in listed.text
    assert "once we have checked it" in listed.text  # the reason waits for the personal data check


def test_support_once_per_browser_without_javascript_and_with_htmx(client, db, sessions):
    c = make_proposals_consultation(db)
    p = make_proposal(db, c)
    page = client.get(f"/consultations/{c.slug}")
    url = f"/consultations/{c.slug}/proposals/{p.id}/support"
    r = client.post(url, data={"csrftoken": csrf_from(page.text)})
    assert "your support is counted" in r.text and "1 supporter" in r.text
    r = client.post(url, data={"csrftoken": csrf_from(page.text)}, headers={"HX-Request": "true"})
    assert "You have already supported this" in r.text and "1 supporter" in r.text
    with sessions() as s:
        assert s.scalar(select(Proposal.supporters)) == 1
        assert s.scalar(select(func.count(ProposalSupport.id))) == 1


def test_bad_email_is_explained(client, db):
    c = make_proposals_consultation(db)
    p = make_proposal(db, c)
    page = client.get(f"/consultations/{c.slug}")
    r = client.post(
        f"/consultations/{c.slug}/proposals/{p.id}/support", data={"csrftoken": csrf_from(page.text), "email": "nope"}
    )
    assert "correct format" in r.text and "0 supporters" in r.text


def test_closed_proposals_take_no_support(client, db, sessions):
    c = make_proposals_consultation(db, status="closed")
    p = make_proposal(db, c)
    page = client.get(f"/consultations/{c.slug}")
    assert "/support" not in page.text
    token = csrf_from(client.get("/feedback").text)
    r = client.post(f"/consultations/{c.slug}/proposals/{p.id}/support", data={"csrftoken": token})
    assert r.status_code == 409


def test_staff_see_proposals_and_moderators_hide_them(client, db, login, sessions):
    from tests.factories import make_consultation

    c = make_proposals_consultation(db)
    p = make_proposal(db, c, title="A private person's name")
    login("moderator")
    page = client.get(f"/staff/consultations/{c.id}/proposals")
    assert "A private person" in page.text
    r = client.post(
        f"/staff/proposals/{p.id}/hide", data={"csrftoken": csrf_from(page.text), "reason": "Names a private person"}
    )
    assert "Hidden: Names a private person" in r.text
    assert "A private person" not in client.get(f"/consultations/{c.slug}").text
    other = make_consultation(db)
    assert "/proposals" not in client.get(f"/staff/consultations/{other.id}").text


def test_coalition_members_cannot_hide(client, db, login):
    c = make_proposals_consultation(db)
    p = make_proposal(db, c)
    login("coalition_member")
    page = client.get(f"/staff/consultations/{c.id}/proposals")
    assert "Reason for hiding" not in page.text
    r = client.post(f"/staff/proposals/{p.id}/hide", data={"csrftoken": csrf_from(page.text), "reason": "x"})
    assert r.status_code == 403


def test_proposals_for_young_people_ask_age_first(client, db, sessions):
    from engage.models import EqualityAnswers

    c = make_proposals_consultation(db, young_people=True)
    r = client.get(f"/consultations/{c.slug}/propose")
    assert r.url.path == f"/consultations/{c.slug}/your-age"
    r = client.post(f"/consultations/{c.slug}/your-age", data={"csrftoken": csrf_from(r.text), "answer": "16 to 17"})
    assert r.url.path == f"/consultations/{c.slug}/propose"
    key = re.search(r'name="idempotency_key" value="([^"]+)"', r.text).group(1)
    data = {"csrftoken": csrf_from(r.text), "idempotency_key": key, "title": "A skate park", "reason": "Nowhere to go"}
    done = client.post(f"/consultations/{c.slug}/propose", data={**data, "audience": "young_person"})
    assert "Childline" in done.text
    with sessions() as s:
        assert s.scalars(select(EqualityAnswers.age_band)).one() == "16 to 17"


def test_support_with_an_email_counts_only_once_the_address_is_confirmed(settings, sessions, db, smtp):
    import dataclasses
    import re

    from starlette.testclient import TestClient

    from engage.app import create_app
    from tests.pagecheck import check_response

    inbox, config = smtp
    mailing = dataclasses.replace(settings, smtp_host=config.host, smtp_port=config.port, smtp_from=config.sender)
    c = make_proposals_consultation(db)
    p = make_proposal(db, c)
    with TestClient(create_app(mailing)) as client:
        client.event_hooks["response"].append(check_response)
        page = client.get(f"/consultations/{c.slug}")
        r = client.post(
            f"/consultations/{c.slug}/proposals/{p.id}/support",
            data={"csrftoken": csrf_from(page.text), "email": "Amina@Example.org"},
        )
        assert "Open the link in it to confirm" in r.text and "0 supporters" in r.text
        [(to, body)] = inbox.messages
        assert to == ["Amina@Example.org"]
        import email

        text = email.message_from_string(body).get_payload(decode=True).decode()
        link = re.search(r"(/consultations/\S+/confirm\?token=\S+)", text).group(1)
        assert "amina" not in link.lower()  # the address never travels in the link
        with sessions() as s:
            assert s.scalar(select(func.count(ProposalSupport.id))) == 0  # nothing stored yet

        confirm = client.get(link)  # a GET only shows the button
        assert "Confirm my support" in confirm.text
        with sessions() as s:
            assert s.scalar(select(Proposal.supporters)) == 0
        r = client.post(
            link.split("?")[0], data={"csrftoken": csrf_from(confirm.text), "token": link.split("token=")[1]}
        )
        assert "your support is counted" in r.text and "1 supporter" in r.text

    # The same address from another browser is not counted again.
    with TestClient(create_app(mailing)) as other:
        page = other.get(link)
        r = other.post(link.split("?")[0], data={"csrftoken": csrf_from(page.text), "token": link.split("token=")[1]})
        assert "already supported" in r.text
    with sessions() as s:
        assert s.scalar(select(Proposal.supporters)) == 1
        stored = s.scalars(select(ProposalSupport)).one()
        assert stored.email_hash and "amina" not in stored.email_hash


def test_a_forged_or_expired_confirmation_link_counts_nothing(client, db, sessions):
    c = make_proposals_consultation(db)
    p = make_proposal(db, c)
    r = client.get(f"/consultations/{c.slug}/proposals/{p.id}/confirm?token=forged")
    assert r.status_code == 400 and "expired" in r.text
    with sessions() as s:
        assert s.scalar(select(Proposal.supporters)) == 0


def test_proposal_hint_follows_the_consultations_subject(client, db):
    c = make_proposals_consultation(db, title="Name our new park")
    form = client.get(f"/consultations/{c.slug}/propose")
    assert "In a few words: what you propose for Name our new park" in form.text
    assert "street" not in form.text
