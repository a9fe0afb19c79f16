from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from engage.models import Answer, Response
from tests.conftest import csrf_from
from tests.factories import make_consultation, make_response, make_theme


def _form(client, c):  # type: ignore[no-untyped-def]
    page = client.get(f"/consultations/{c.slug}/respond")
    assert page.status_code == 200
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    return csrf_from(page.text), key


def _answers(c, token, key, **extra):  # type: ignore[no-untyped-def]
    agree, why, how = c.questions
    data = {
        "csrftoken": token,
        "idempotency_key": key,
        "audience": "resident",
        f"q{agree.id}": "Agree",
        f"q{why.id}": "Beckwith Road honours a slave trader; rename it after Olive Morris.",
        f"q{how.id}": ["Workshops", "Schools"],
    }
    data.update(extra)
    return data


def test_home_lists_open_and_published_consultations(client, db):
    open_c = make_consultation(db, status="open", title="Review, Rename, Reclaim")
    make_consultation(db, status="draft", title="Secret draft")
    published = make_consultation(db, status="published", title="Listening to parents")
    page = client.get("/")
    assert open_c.title in page.text
    assert f"/consultations/{published.slug}/results" in page.text
    assert "Secret draft" not in page.text


def test_draft_consultation_is_not_public(client, db):
    c = make_consultation(db, status="draft")
    assert client.get(f"/consultations/{c.slug}").status_code == 404


def test_consultation_page_has_start_button(client, db):
    c = make_consultation(db)
    page = client.get(f"/consultations/{c.slug}")
    assert f'href="/consultations/{c.slug}/respond"' in page.text


def test_missing_answers_show_error_summary_linked_to_fields(client, db):
    c = make_consultation(db)
    token, key = _form(client, c)
    r = client.post(f"/consultations/{c.slug}/respond", data={"csrftoken": token, "idempotency_key": key})
    assert r.status_code == 400
    assert "There is a problem" in r.text
    agree, why, _ = c.questions
    assert 'href="#audience-0"' in r.text  # radios: the link goes to the first option
    assert f'href="#q{agree.id}-0"' in r.text
    assert f'href="#q{why.id}"' in r.text and f'id="q{why.id}"' in r.text
    assert "<title>Error: " in r.text
    assert client.app.state.sessions is not None


def test_check_answers_then_submit_stores_response_once(client, db, sessions):
    c = make_consultation(db)
    token, key = _form(client, c)
    check = client.post(f"/consultations/{c.slug}/respond", data=_answers(c, token, key))
    assert check.status_code == 200
    assert "Check your answers" in check.text
    assert "Olive Morris" in check.text
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 0  # nothing saved before "Accept and send"

    submit = client.post(f"/consultations/{c.slug}/respond", data=_answers(c, token, key, action="submit"))
    assert submit.status_code == 200
    assert "Response received" in submit.text
    reference = re.search(r'data-testid="reference">([A-Z0-9-]+)<', submit.text).group(1)
    assert "/received" in str(submit.url) and reference not in str(submit.url)

    # A double click or a browser retry sends the same form again.
    again = client.post(f"/consultations/{c.slug}/respond", data=_answers(c, token, key, action="submit"))
    assert reference in again.text
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 1
        stored = s.scalars(select(Response)).one()
        assert stored.reference == reference and stored.channel == "online"
        texts = sorted((a.text or "", a.choices) for a in s.scalars(select(Answer)))
        assert ("", ["Workshops", "Schools"]) in texts


def test_change_answers_keeps_what_was_typed(client, db):
    c = make_consultation(db)
    token, key = _form(client, c)
    r = client.post(f"/consultations/{c.slug}/respond", data=_answers(c, token, key, action="change"))
    assert r.status_code == 200
    assert "Olive Morris" in r.text and 'value="Agree" checked' in r.text


def test_invalid_choice_is_rejected(client, db):
    c = make_consultation(db)
    token, key = _form(client, c)
    agree = c.questions[0]
    r = client.post(f"/consultations/{c.slug}/respond", data=_answers(c, token, key, **{f"q{agree.id}": "<script>"}))
    assert r.status_code == 400


def test_answers_are_escaped(client, db):
    c = make_consultation(db)
    token, key = _form(client, c)
    why = c.questions[1]
    r = client.post(
        f"/consultations/{c.slug}/respond", data=_answers(c, token, key, **{f"q{why.id}": "<script>alert(1)</script>"})
    )
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;" in r.text


def test_closed_consultation_takes_no_responses(client, db, sessions):
    c = make_consultation(db, status="closed")
    page = client.get(f"/consultations/{c.slug}/respond")
    assert "not open" in page.text
    token = (
        csrf_from(client.get("/").text)
        if 'name="csrftoken"' in client.get("/").text
        else csrf_from(page.text)
        if "csrftoken" in page.text
        else None
    )
    data = {"action": "submit", "audience": "resident", "idempotency_key": "x" * 32}
    if token:
        data["csrftoken"] = token
    r = client.post(f"/consultations/{c.slug}/respond", data=data)
    assert r.status_code in (403, 409)
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 0


def test_post_without_csrf_token_is_refused(client, db):
    c = make_consultation(db)
    _form(client, c)  # sets the CSRF cookie
    r = client.post(f"/consultations/{c.slug}/respond", data={"action": "submit"})
    assert r.status_code == 403


def test_received_without_submission_redirects(client, db):
    c = make_consultation(db)
    r = client.get(f"/consultations/{c.slug}/received")
    assert str(r.url).endswith(f"/consultations/{c.slug}")


def test_results_of_a_closed_consultation_say_when_they_are_due(client, db):
    c = make_consultation(db, status="closed", closes_on=dt.date(2026, 12, 31))
    r = client.get(f"/consultations/{c.slug}/results")
    assert r.status_code == 200
    assert "The results are not published yet" in r.text and "25 March 2027" in r.text
    assert "Page not found" not in r.text
    assert "You said, we did" not in r.text
    assert client.get("/consultations/draft-never-public/results").status_code == 404


def test_home_keeps_closed_consultations_findable(client, db):
    c = make_consultation(db, status="closed", title="Closed park plans", closes_on=dt.date(2026, 12, 31))
    home = client.get("/")
    assert "Closed consultations" in home.text and "Closed park plans" in home.text
    assert "Closed: results due by 25 March 2027" in home.text
    page = client.get(f"/consultations/{c.slug}")
    assert page.status_code == 200 and "The results are due by 25 March 2027" in page.text


def test_results_have_charts_beside_tables(client, db):
    c = make_consultation(db, status="published")
    agree = c.questions[0]
    for value in ("Agree", "Agree", "Disagree"):
        make_response(db, c, {agree.id: value})
    page = client.get(f"/consultations/{c.slug}/results")
    assert page.status_code == 200
    assert f'aria-labelledby="tally-{agree.id}-title"' in page.text
    assert f'<title id="tally-{agree.id}-title">Chart of answers to: {agree.text}</title>' in page.text
    assert "<table" in page.text and "67%" in page.text


def test_results_show_themes_counts_quotes_and_response(client, db):
    c = make_consultation(db, status="published")
    why = c.questions[1]
    responses = [make_response(db, c, {why.id: f"Comment {i}"}) for i in range(3)]
    from sqlalchemy.orm import selectinload

    answers = [a for r in db.scalars(select(Response).options(selectinload(Response.answers))) for a in r.answers]
    for a in answers:
        a.redacted = a.text
    db.commit()
    make_theme(
        db,
        why,
        answers=answers[:2],
        name="Names honour slave traders",
        quotes=["Beckwith made his money from enslaved people"],
        response_text="We will rename Beckwith Road by March 2027.",
    )
    page = client.get(f"/consultations/{c.slug}/results")
    assert page.status_code == 200
    assert "Names honour slave traders" in page.text
    assert "2 people" in page.text and "67%" in page.text
    assert "We will rename Beckwith Road by March 2027." in page.text
    assert "Beckwith made his money" in page.text
    assert len(responses) == 3


def test_security_headers(client):
    r = client.get("/")
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


def test_accessibility_statement(client):
    assert "Accessibility statement" in client.get("/accessibility").text


def test_closing_is_seen_by_a_submission_even_when_the_form_was_read_moments_before(client, db):
    from engage.models import Status

    c = make_consultation(db)
    token, key = _form(client, c)
    check = client.post(f"/consultations/{c.slug}/respond", data=_answers(c, token, key, action="check"))
    assert check.status_code == 200  # this POST leaves the consultation's form in the app's cache
    c.status = Status.CLOSED
    db.commit()
    r = client.post(f"/consultations/{c.slug}/respond", data=_answers(c, token, key, action="submit"))
    assert r.status_code == 409 and "This consultation is not open" in r.text
    assert db.scalar(select(func.count(Response.id))) == 0


def test_error_messages_name_the_question(client, db):
    c = make_consultation(db)
    token, key = _form(client, c)
    r = client.post(f"/consultations/{c.slug}/respond", data={"csrftoken": token, "idempotency_key": key})
    assert r.status_code == 400
    assert "Select how much you agree that the council should review names linked to slavery" in r.text
    assert "Enter your answer to: Why do you feel that way?" in r.text
    assert "Select an answer<" not in r.text


def test_long_answers_have_a_character_count_that_works_without_javascript(client, db):
    c = make_consultation(db)
    page = client.get(f"/consultations/{c.slug}/respond")
    why = c.questions[1]
    assert 'data-module="govuk-character-count" data-maxlength="10000"' in page.text
    assert f'aria-describedby="q{why.id}-info' in page.text
    assert f'id="q{why.id}-info"' in page.text and "You can enter up to 10,000 characters" in page.text


def test_check_answers_has_a_change_link_for_every_answer_that_comes_back(client, db):
    c = make_consultation(db)
    token, key = _form(client, c)
    check = client.post(f"/consultations/{c.slug}/respond", data=_answers(c, token, key))
    agree, why, how = c.questions
    for field in ("audience", f"q{agree.id}", f"q{why.id}", f"q{how.id}"):
        assert f'name="change" value="{field}"' in check.text
    # Change one answer: that question alone, as the page heading, the others carried.
    change = client.post(
        f"/consultations/{c.slug}/respond", data=_answers(c, token, key, action="change", change=f"q{why.id}")
    )
    assert change.status_code == 200
    assert '<h1 class="govuk-label-wrapper">' in change.text and "Olive Morris" in change.text
    assert 'name="return_to" value="check"' in change.text
    assert f'type="hidden" name="q{agree.id}" value="Agree"' in change.text
    back = client.post(
        f"/consultations/{c.slug}/respond",
        data=_answers(c, token, key, action="next", step=f"q{why.id}", return_to="check", **{f"q{why.id}": "Changed"}),
    )
    assert back.status_code == 200 and "Check your answers" in back.text
    assert "Changed" in back.text and "Olive Morris" not in back.text
    # A change that leaves a required answer empty says so on that question's page.
    empty = client.post(
        f"/consultations/{c.slug}/respond",
        data=_answers(c, token, key, action="next", step=f"q{why.id}", return_to="check", **{f"q{why.id}": ""}),
    )
    assert empty.status_code == 400 and "Enter your answer to: Why do you feel that way?" in empty.text


def test_one_question_per_page_walks_each_question_then_checks_answers(client, db, sessions):
    c = make_consultation(db, one_question_per_page=True)
    agree, why, how = c.questions
    first = client.get(f"/consultations/{c.slug}/respond")
    assert "Question 1 of 4" in first.text and 'name="step" value="audience"' in first.text
    assert f'name="q{agree.id}"' not in first.text
    token = csrf_from(first.text)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', first.text).group(1)
    data = {"csrftoken": token, "idempotency_key": key, "action": "next"}
    url = f"/consultations/{c.slug}/respond"
    missing = client.post(url, data={**data, "step": "audience"})
    assert missing.status_code == 400 and "Select which of these best describes you" in missing.text
    data["audience"] = "resident"
    r = client.post(url, data={**data, "step": "audience"})
    assert "Question 2 of 4" in r.text and '<h1 class="govuk-fieldset__heading">' in r.text
    assert 'type="hidden" name="audience" value="resident"' in r.text
    data[f"q{agree.id}"] = "Agree"
    r = client.post(url, data={**data, "step": f"q{agree.id}"})
    assert "Question 3 of 4" in r.text
    previous = client.post(url, data={**data, "step": f"q{why.id}", "action": "back"})
    assert "Question 2 of 4" in previous.text and 'value="Agree" checked' in previous.text
    data[f"q{why.id}"] = "Rename it."
    r = client.post(url, data={**data, "step": f"q{why.id}"})
    assert "Question 4 of 4" in r.text
    r = client.post(url, data={**data, "step": f"q{how.id}"})
    assert "Check your answers" in r.text and "Rename it." in r.text
    sent = client.post(url, data={**data, "action": "submit"})
    assert "Your reference number" in sent.text
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 1


def test_officers_choose_one_question_per_page(client, db, login):
    login("admin")
    c = make_consultation(db, status="draft")
    page = client.get(f"/staff/consultations/{c.id}/edit")
    assert 'name="one_question_per_page"' in page.text
    r = client.post(
        f"/staff/consultations/{c.id}/edit",
        data={
            "csrftoken": csrf_from(page.text),
            "title": c.title,
            "summary": c.summary,
            "audiences": ["resident"],
            "one_question_per_page": "y",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[-3000:]
    db.refresh(c)
    assert c.one_question_per_page is True


def _text_of(raw: str) -> str:
    """An email's text as the reader sees it (the transfer encoding may wrap long lines)."""
    import email
    from email import policy

    return email.message_from_string(raw, policy=policy.default).get_content()  # type: ignore[attr-defined,no-any-return]


def _mailing(client, settings, smtp):  # type: ignore[no-untyped-def]
    import dataclasses

    inbox, config = smtp
    client.app.state.settings = dataclasses.replace(
        settings, smtp_host=config.host, smtp_port=config.port, smtp_from=config.sender
    )
    return inbox


def test_save_and_come_back_with_a_code_then_send(client, db, sessions):
    c = make_consultation(db)
    why = c.questions[1]
    token, key = _form(client, c)
    saved = client.post(
        f"/consultations/{c.slug}/respond",
        data={"csrftoken": token, "idempotency_key": key, "action": "save", f"q{why.id}": "Half a thought"},
    )
    assert saved.status_code == 200 and "Your answers have been saved" in saved.text
    assert str(saved.url).endswith(f"/consultations/{c.slug}/saved")  # no code in the URL
    code = re.search(r'data-testid="draft-code">([A-Z0-9-]+)<', saved.text).group(1)
    assert "Send me the link" not in saved.text  # no email set up: the code on screen only
    with sessions() as s:
        assert s.scalar(select(func.count(Response.id))) == 0

    resume = client.get(f"/consultations/{c.slug}/resume")
    bad = client.post(f"/consultations/{c.slug}/resume", data={"csrftoken": csrf_from(resume.text), "code": "nonsense"})
    assert bad.status_code == 400 and "Enter the code in the correct format" in bad.text
    wrong = client.post(
        f"/consultations/{c.slug}/resume", data={"csrftoken": csrf_from(resume.text), "code": "ABCD-EFGH-JKMN"}
    )
    assert wrong.status_code == 400 and "No saved response has this code" in wrong.text
    back = client.post(f"/consultations/{c.slug}/resume", data={"csrftoken": csrf_from(resume.text), "code": code})
    assert back.status_code == 200 and "Half a thought" in back.text
    assert "There is a problem" not in back.text  # unanswered questions are not errors yet
    assert f'name="draft" value="{code}"' in back.text
    # The code travels with the answers through a Change link.
    change = client.post(
        f"/consultations/{c.slug}/respond",
        data=_answers(c, csrf_from(back.text), key, action="change", change=f"q{why.id}", draft=code),
    )
    assert f'name="draft" value="{code}"' in change.text

    data = _answers(c, csrf_from(back.text), key, action="submit", draft=code)
    sent = client.post(f"/consultations/{c.slug}/respond", data=data)
    assert "Your reference number" in sent.text
    again = client.post(f"/consultations/{c.slug}/resume", data={"csrftoken": csrf_from(resume.text), "code": code})
    assert again.status_code == 400  # sent: the draft is gone


def test_saved_link_is_emailed_where_email_is_set_up(client, db, settings, smtp):
    inbox = _mailing(client, settings, smtp)
    # A long address: the email's transfer encoding wraps long lines, which the reader never sees.
    c = make_consultation(db, slug="a-consultation-with-a-rather-long-web-address-for-wrapping")
    token, key = _form(client, c)
    saved = client.post(
        f"/consultations/{c.slug}/respond", data={"csrftoken": token, "idempotency_key": key, "action": "save"}
    )
    code = re.search(r'data-testid="draft-code">([A-Z0-9-]+)<', saved.text).group(1)
    assert "Send me the link" in saved.text
    r = client.post(f"/consultations/{c.slug}/saved", data={"csrftoken": csrf_from(saved.text), "email": "x"})
    assert r.status_code == 400 and "correct format" in r.text
    r = client.post(
        f"/consultations/{c.slug}/saved", data={"csrftoken": csrf_from(saved.text), "email": "amina@example.org"}
    )
    assert "We have sent you an email" in r.text
    [(to, raw)] = inbox.messages
    body = _text_of(raw)
    assert to == ["amina@example.org"] and code in body and f"/consultations/{c.slug}/resume" in body


def test_after_sending_a_resident_can_print_download_and_email_a_copy(client, db, settings, smtp):
    inbox = _mailing(client, settings, smtp)
    c = make_consultation(db)
    token, key = _form(client, c)
    received = client.post(f"/consultations/{c.slug}/respond", data=_answers(c, token, key, action="submit"))
    assert f'href="/consultations/{c.slug}/received/copy"' in received.text
    copy = client.get(f"/consultations/{c.slug}/received/copy")
    assert copy.status_code == 200 and "Olive Morris" in copy.text and "Workshops" in copy.text
    text = client.get(f"/consultations/{c.slug}/received/copy.txt")
    assert text.headers["content-disposition"].startswith("attachment;")
    assert "Olive Morris" in text.text and "Reference number:" in text.text
    r = client.post(
        f"/consultations/{c.slug}/received/copy", data={"csrftoken": csrf_from(copy.text), "email": "a@example.org"}
    )
    assert "We have emailed you a copy" in r.text
    [(to, raw)] = inbox.messages
    assert to == ["a@example.org"] and "Olive Morris" in _text_of(raw)


def test_a_copy_is_only_for_the_person_who_sent_it(client, db):
    c = make_consultation(db)
    r = client.get(f"/consultations/{c.slug}/received/copy")
    assert str(r.url).endswith(f"/consultations/{c.slug}")
    assert client.get(f"/consultations/{c.slug}/received/copy.txt").url.path == f"/consultations/{c.slug}"
