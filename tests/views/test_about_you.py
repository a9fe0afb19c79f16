"""Young people's age question, the optional equality questions and contact email, through HTTP."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engage.models import EqualityAnswers, Response, ResponseContact
from tests.conftest import csrf_from
from tests.factories import make_consultation


def _submit(client, c, audience="resident"):  # type: ignore[no-untyped-def]
    page = client.get(f"/consultations/{c.slug}/respond")
    assert page.status_code == 200, page.text[:300]
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    agree, why, _ = c.questions
    data = {
        "csrftoken": csrf_from(page.text),
        "idempotency_key": key,
        "audience": audience,
        f"q{agree.id}": "Agree",
        f"q{why.id}": "Rename it after someone we are proud of.",
        "action": "submit",
    }
    r = client.post(f"/consultations/{c.slug}/respond", data=data)
    assert "Response received" in r.text
    return r


def _post(client, url, data):  # type: ignore[no-untyped-def]
    page = client.get(url)
    return client.post(url, data={**data, "csrftoken": csrf_from(page.text)})


def test_equality_questions_one_per_page_stored_apart(client, db, sessions):
    c = make_consultation(db)
    received = _submit(client, c)
    assert f"/consultations/{c.slug}/about-you" in received.text
    start = client.get(f"/consultations/{c.slug}/about-you")
    assert "Why we ask" in start.text and "Skip these questions" in start.text

    steps = [
        ("age", "35 to 44"),
        ("sex", "Prefer not to say"),
        ("ethnic-group", "White"),
        ("ethnic-background", "Roma"),
        ("disability", "No"),
        ("religion", "Prefer not to say"),
    ]
    for step, value in steps:
        page = client.get(f"/consultations/{c.slug}/about-you/{step}")
        assert "Prefer not to say" in page.text
        r = client.post(
            f"/consultations/{c.slug}/about-you/{step}", data={"answer": value, "csrftoken": csrf_from(page.text)}
        )
        assert r.status_code == 200, (step, r.text[:500])
    assert "Get an email when the results are published" in r.text  # after religion: the contact page
    r = _post(client, f"/consultations/{c.slug}/keep-in-touch", {"email": "sam@example.com", "notify": "y"})
    assert "Thank you for taking part" in r.text
    with sessions() as s:
        eq = s.scalars(select(EqualityAnswers)).one()
        assert (eq.age_band, eq.sex, eq.ethnic_group, eq.ethnic_group_detail) == (
            "35 to 44",
            "Prefer not to say",
            "White",
            "Roma",
        )
        assert (eq.disability, eq.religion) == ("No", "Prefer not to say")
        contact = s.scalars(select(ResponseContact)).one()
        assert contact.email == "sam@example.com" and contact.notify_on_publish
        assert eq.response_id == contact.response_id == s.scalar(select(Response.id))


def test_ethnic_background_lists_the_chosen_group_and_is_skipped_without_one(client, db):
    c = make_consultation(db)
    _submit(client, c)
    r = _post(client, f"/consultations/{c.slug}/about-you/ethnic-group", {"answer": "Other ethnic group"})
    assert "Which of the following best describes your Other ethnic group background?" in r.text
    assert "Arab" in r.text and "Roma" not in r.text
    r = _post(client, f"/consultations/{c.slug}/about-you/ethnic-group", {"answer": "Prefer not to say"})
    assert "Are your day-to-day activities limited" in r.text  # the background question is skipped


def test_census_groups_include_gypsy_irish_traveller_and_roma(client, db):
    c = make_consultation(db)
    _submit(client, c)
    r = _post(client, f"/consultations/{c.slug}/about-you/ethnic-group", {"answer": "White"})
    assert "Gypsy or Irish Traveller" in r.text and "Roma" in r.text


def test_skipping_stores_nothing_and_invalid_answers_are_refused(client, db, sessions):
    c = make_consultation(db)
    _submit(client, c)
    r = _post(client, f"/consultations/{c.slug}/about-you/sex", {})
    assert r.status_code == 200 and "What is your ethnic group?" in r.text
    bad = _post(client, f"/consultations/{c.slug}/about-you/sex", {"answer": "<script>"})
    assert bad.status_code == 400 and "There is a problem" in bad.text
    with sessions() as s:
        eq = s.scalars(select(EqualityAnswers)).one()
        assert eq.sex is None


def test_equality_pages_need_a_response_in_this_session(client, db, sessions):
    c = make_consultation(db)
    for url in ("about-you", "about-you/age", "keep-in-touch", "thank-you"):
        r = client.get(f"/consultations/{c.slug}/{url}")
        assert str(r.url).endswith(f"/consultations/{c.slug}"), url
    with sessions() as s:
        assert s.scalar(select(func.count(EqualityAnswers.id))) == 0


def test_contact_email_is_validated(client, db, sessions):
    c = make_consultation(db)
    _submit(client, c)
    r = _post(client, f"/consultations/{c.slug}/keep-in-touch", {"email": "not an email", "notify": "y"})
    assert r.status_code == 400 and 'href="#email"' in r.text
    r = _post(client, f"/consultations/{c.slug}/keep-in-touch", {"notify": "y"})
    assert r.status_code == 400
    with sessions() as s:
        assert s.scalar(select(func.count(ResponseContact.id))) == 0


def test_young_people_consultation_asks_age_first(client, db, sessions):
    c = make_consultation(db, young_people=True)
    r = client.get(f"/consultations/{c.slug}/respond")
    assert r.url.path == f"/consultations/{c.slug}/your-age" and "How old are you?" in r.text
    missing = _post(client, f"/consultations/{c.slug}/your-age", {})
    assert missing.status_code == 400 and "Select your age" in missing.text
    r = _post(client, f"/consultations/{c.slug}/your-age", {"answer": "13 to 15"})
    assert r.url.path == f"/consultations/{c.slug}/respond"
    received = _submit(client, c, audience="young_person")
    assert "Childline" in received.text and "0800 1111" in received.text and "85258" in received.text
    assert "Kooth" in received.text
    with sessions() as s:
        assert s.scalars(select(EqualityAnswers.age_band)).one() == "13 to 15"
    # The age question is not asked twice.
    start = client.get(f"/consultations/{c.slug}/about-you")
    assert f"/consultations/{c.slug}/about-you/sex" in start.text
    thanks = client.get(f"/consultations/{c.slug}/thank-you")
    assert "Childline" in thanks.text


def test_under_13s_see_a_privacy_notice_and_are_never_asked_for_contact_details(client, db, sessions):
    c = make_consultation(db, young_people=True)
    r = _post(client, f"/consultations/{c.slug}/your-age", {"answer": "Under 13"})
    assert "What we do with your answers" in r.text and "We will not ask for your email" in r.text
    received = _submit(client, c, audience="young_person")
    assert "keep-in-touch" not in received.text
    r = client.get(f"/consultations/{c.slug}/keep-in-touch")
    assert "Thank you for taking part" in r.text and 'name="email"' not in r.text
    token = csrf_from(r.text) if "csrftoken" in r.text else csrf_from(client.get("/staff/login").text)
    client.post(f"/consultations/{c.slug}/keep-in-touch", data={"email": "kid@example.com", "csrftoken": token})
    with sessions() as s:
        assert s.scalar(select(func.count(ResponseContact.id))) == 0


def _audience_choices(html):  # type: ignore[no-untyped-def]
    return re.findall(r'name="audience" type="radio" value="([^"]+)"', html)


def test_an_adult_is_not_offered_only_young_person(client, db, sessions):
    c = make_consultation(db, young_people=True, audiences=["young_person"])
    r = _post(client, f"/consultations/{c.slug}/your-age", {"answer": "45 to 54"})
    assert r.url.path == f"/consultations/{c.slug}/respond"
    choices = _audience_choices(r.text)
    assert "young_person" not in choices and {"resident", "parent"} <= set(choices)
    received = _submit(client, c, audience="parent")
    assert "Childline" not in received.text  # support for young people is for young people
    refused = client.post(
        f"/consultations/{c.slug}/respond",
        data={"csrftoken": csrf_from(r.text), "idempotency_key": "k" * 32, "audience": "young_person"},
    )
    assert refused.status_code == 400
    with sessions() as s:
        assert [a.value for a in s.scalars(select(Response.audience))] == ["parent"]


def test_a_young_person_is_a_young_person(client, db):
    c = make_consultation(db, young_people=True, audiences=["young_person", "parent", "resident"])
    r = _post(client, f"/consultations/{c.slug}/your-age", {"answer": "16 to 17"})
    assert _audience_choices(r.text) == ["young_person"] and 'value="young_person" checked' in r.text
    mixed = make_consultation(db, young_people=True, audiences=["young_person", "parent"])
    r = _post(client, f"/consultations/{mixed.slug}/your-age", {"answer": "Prefer not to say"})
    assert _audience_choices(r.text) == ["young_person", "parent"]


def test_under_13s_are_asked_no_equality_questions_and_not_their_age_again(client, db, sessions):
    c = make_consultation(db, young_people=True)
    _post(client, f"/consultations/{c.slug}/your-age", {"answer": "Under 13"})
    received = _submit(client, c, audience="young_person")
    assert "/about-you" not in received.text and "ethnic group" not in received.text
    for step in ("", "/age", "/sex", "/ethnic-group", "/disability", "/religion"):
        r = client.get(f"/consultations/{c.slug}/about-you{step}")
        # Never an equality question: the thank-you page, or (once "Thank you" has let go of the
        # response, issue 14) the consultation's own page.
        assert r.url.path in {f"/consultations/{c.slug}/thank-you", f"/consultations/{c.slug}"}, step
    token = csrf_from(client.get("/staff/login").text)
    r = client.post(f"/consultations/{c.slug}/about-you/religion", data={"answer": "Christian", "csrftoken": token})
    assert r.url.path in {f"/consultations/{c.slug}/thank-you", f"/consultations/{c.slug}"}
    with sessions() as s:
        eq = s.scalars(select(EqualityAnswers)).one()
        assert (eq.age_band, eq.religion, eq.ethnic_group, eq.disability) == ("Under 13", None, None, None)


def test_a_young_person_gives_their_age_once(client, db):
    c = make_consultation(db, young_people=True)
    _post(client, f"/consultations/{c.slug}/your-age", {"answer": "13 to 15"})
    _submit(client, c, audience="young_person")
    r = client.get(f"/consultations/{c.slug}/about-you/age")
    assert r.url.path == f"/consultations/{c.slug}/about-you/sex"


def test_someone_who_says_they_are_a_young_person_is_offered_young_ages_and_stops_if_under_13(client, db, sessions):
    c = make_consultation(db)  # not aimed at young people: age is the first equality question
    _submit(client, c, audience="young_person")
    page = client.get(f"/consultations/{c.slug}/about-you/age")
    assert "Under 13" in page.text and "16 to 17" in page.text and "45 to 54" not in page.text
    r = _post(client, f"/consultations/{c.slug}/about-you/age", {"answer": "Under 13"})
    assert r.url.path == f"/consultations/{c.slug}/thank-you"
    # No more questions: the thank-you page, or the consultation once "Thank you" let go of the response.
    assert client.get(f"/consultations/{c.slug}/about-you/sex").url.path in {
        f"/consultations/{c.slug}/thank-you",
        f"/consultations/{c.slug}",
    }
