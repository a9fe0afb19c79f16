"""The theme board and comment list over HTTP: every action with and without htmx, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from engage.models import AssignmentSource, AuditEvent, Theme, ThemeAssignment, ThemeEdit, ThemeOrigin
from tests.conftest import csrf_from, form_post
from tests.factories import make_comments, make_consultation, make_theme


@pytest.fixture
def setup(db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="closed")
    why = c.questions[1]
    heritage = make_comments(
        db, c, ["Honour Olive Morris with a new name", "Celebrate local Black history"], stance="support"
    )
    cost = make_comments(db, c, ["New signs cost too much money", "Changing addresses is expensive"], stance="oppose")
    plaques = make_comments(db, c, ["Put up plaques that explain the history"], stance="mixed")
    t1 = make_theme(
        db, why, answers=heritage, name="Celebrate local heroes", quotes=["Honour Olive Morris with a new name"]
    )
    t2 = make_theme(db, why, answers=cost, name="Cost of renaming")
    t3 = make_theme(db, why, answers=plaques, name="Explain with plaques")
    return {"c": c, "q": why, "t1": t1, "t2": t2, "t3": t3, "heritage": heritage, "cost": cost, "plaques": plaques}


def _board(setup):  # type: ignore[no-untyped-def]
    return f"/staff/questions/{setup['q'].id}/board"


HX = {"HX-Request": "true"}


def test_board_shows_cards_with_counts_stance_and_quotes(client, login, setup):
    login("coalition_member")
    r = client.get(_board(setup))
    assert r.status_code == 200
    for name in ("Celebrate local heroes", "Cost of renaming", "Explain with plaques"):
        assert name in r.text
    assert "Supports 2" in r.text and "Opposes 2" in r.text
    assert "“Honour Olive Morris with a new name”" in r.text
    assert "5 comments match" in r.text
    part = client.get(_board(setup), headers=HX)
    assert "<html" not in part.text and 'id="board"' in part.text


def test_consultation_board_link_goes_to_first_free_text_question(client, login, setup):
    login()
    r = client.get(f"/staff/consultations/{setup['c'].id}/board", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(_board(setup))


@pytest.mark.parametrize("htmx", [False, True])
def test_rename_is_audited_and_undoable(client, login, setup, sessions, htmx):
    login()
    t1 = setup["t1"]
    r = form_post(
        client,
        _board(setup),
        f"/staff/themes/{t1.id}/rename",
        {"name": "Honour local Black history", "description": "Celebrate local heroes", "question": setup["q"].id},
        headers=HX if htmx else {},
    )
    assert r.status_code == 200
    if htmx:
        assert "<html" not in r.text and f'id="theme-{t1.id}"' in r.text
        assert 'id="undo" class="engage-status" aria-live="polite" hx-swap-oob="true"' in r.text
        assert f'id="theme-{setup["t2"].id}"' not in r.text  # only what changed
    else:
        assert "Theme renamed." in r.text
    with sessions() as s:
        theme = s.get(Theme, t1.id)
        assert theme.name == "Honour local Black history" and theme.origin == ThemeOrigin.OFFICER
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "theme.renamed")).one()
        assert event.detail["before"]["name"] == "Celebrate local heroes"
        assert event.detail["after"]["name"] == "Honour local Black history"
        edit_id = s.scalars(select(ThemeEdit.id)).one()
    r = form_post(
        client, _board(setup), f"/staff/questions/{setup['q'].id}/undo", {"edit": edit_id}, headers=HX if htmx else {}
    )
    assert r.status_code == 200
    with sessions() as s:
        theme = s.get(Theme, t1.id)
        assert theme.name == "Celebrate local heroes" and theme.origin == ThemeOrigin.MODEL
        assert s.scalar(select(func.count()).where(AuditEvent.action == "theme.edit_undone")) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_merge_two_themes(client, login, setup, sessions, htmx):
    login()
    r = form_post(
        client,
        _board(setup),
        f"/staff/questions/{setup['q'].id}/merge",
        [("theme_ids", str(setup["t1"].id)), ("theme_ids", str(setup["t3"].id)), ("name", "History and heroes")],
        headers=HX if htmx else {},
    )
    assert r.status_code == 200 and "History and heroes" in r.text
    if htmx:
        assert 'id="board"' in r.text and 'id="comments"' in r.text and "hx-swap-oob" in r.text
    with sessions() as s:
        names = set(s.scalars(select(Theme.name)))
        assert names == {"History and heroes", "Cost of renaming"}
        merged = s.scalars(select(Theme).where(Theme.name == "History and heroes")).one()
        assert merged.origin == ThemeOrigin.OFFICER
        assert s.scalar(select(func.count()).where(ThemeAssignment.theme_id == merged.id)) == 3


def test_merge_needs_two_themes_and_a_name(client, login, setup):
    login()
    r = form_post(
        client,
        _board(setup),
        f"/staff/questions/{setup['q'].id}/merge",
        [("theme_ids", str(setup["t1"].id)), ("name", "x")],
    )
    assert "Choose 2 or more themes to merge" in r.text
    assert 'data-testid="board-error"' in r.text and "<title>Error: Theme board" in r.text
    assert "Success" not in r.text


@pytest.mark.parametrize("htmx", [False, True])
def test_move_confirm_and_reject_a_comment(client, login, setup, sessions, htmx):
    officer = login()
    answer = setup["plaques"][0]
    t1, t3 = setup["t1"], setup["t3"]
    h = HX if htmx else {}
    r = form_post(
        client,
        _board(setup),
        f"/staff/answers/{answer.id}/move",
        {"from": t3.id, "to": t1.id, "question": setup["q"].id},
        headers=h,
    )
    assert r.status_code == 200
    if htmx:
        assert f'id="comment-{answer.id}"' in r.text
        # The two cards whose counts changed come along out of band.
        assert f'id="theme-{t1.id}"' in r.text and f'id="theme-{t3.id}"' in r.text
    with sessions() as s:
        rows = s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id == answer.id)).all()
        assert [(a.theme_id, a.source, a.officer_id) for a in rows] == [(t1.id, AssignmentSource.OFFICER, officer.id)]

    other = setup["cost"][0]
    form_post(
        client,
        _board(setup),
        f"/staff/answers/{other.id}/confirm",
        {"theme": setup["t2"].id, "question": setup["q"].id},
        headers=h,
    )
    with sessions() as s:
        a = s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id == other.id)).one()
        assert a.source == AssignmentSource.OFFICER and a.officer_id == officer.id

    third = setup["cost"][1]
    form_post(
        client,
        _board(setup),
        f"/staff/answers/{third.id}/reject",
        {"theme": setup["t2"].id, "question": setup["q"].id},
        headers=h,
    )
    with sessions() as s:
        assert s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id == third.id)).all() == []
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions[-3:] == ["theme.comment_moved", "theme.assignment_confirmed", "theme.assignment_rejected"]


def test_create_split_delete_and_sign_off(client, login, setup, sessions):
    login()
    qid = setup["q"].id
    form_post(
        client, _board(setup), f"/staff/questions/{qid}/themes", {"name": "Schools should teach it", "description": ""}
    )
    answers = setup["heritage"]
    r = form_post(
        client,
        _board(setup) + f"?theme={setup['t1'].id}",
        f"/staff/themes/{setup['t1'].id}/split",
        [("answer_ids", str(answers[1].id)), ("name", "Black history"), ("question", str(qid))],
    )
    assert r.status_code == 200 and "Theme split." in r.text
    with sessions() as s:
        new = s.scalars(select(Theme).where(Theme.name == "Black history")).one()
        assert new.origin == ThemeOrigin.OFFICER
        placed = s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id == answers[1].id)).one()
        assert placed.theme_id == new.id and placed.source == AssignmentSource.OFFICER
    form_post(client, _board(setup), f"/staff/themes/{setup['t3'].id}/delete", {"question": qid})
    r = form_post(client, _board(setup), f"/staff/themes/{setup['t2'].id}/signoff", {"question": qid, "signed": "yes"})
    assert "Signed off" in r.text
    with sessions() as s:
        assert s.get(Theme, setup["t3"].id) is None
        assert {"theme.created", "theme.split", "theme.deleted", "theme.signed_off"} <= set(
            s.scalars(select(AuditEvent.action))
        )


def test_comment_list_filters_search_and_pages(client, login, setup, db):
    login()
    base = f"/staff/questions/{setup['q'].id}/comments"
    assert "2 comments match" in client.get(base + "?stance=oppose").text
    assert "1 comment match" in client.get(base + "?q=plaques").text
    assert "2 comments match" in client.get(base + f"?theme={setup['t1'].id}").text
    assert "5 comments match" in client.get(base + "?stance=nonsense&sort=DROP+TABLE").text  # not on the allow-list
    part = client.get(base + "?q=signs", headers=HX)
    assert "<html" not in part.text and "New signs cost too much money" in part.text
    make_comments(db, setup["c"], [f"Another thought number {i}" for i in range(30)])
    first = client.get(base)
    assert "35 comments match" in first.text and "after=" in first.text


ROLE_POSTS = [
    ("/staff/themes/{t1}/rename", {"name": "x"}),
    ("/staff/questions/{q}/themes", {"name": "x"}),
    ("/staff/themes/{t1}/delete", {}),
    ("/staff/questions/{q}/merge", {"theme_ids": ["{t1}", "{t2}"], "name": "x"}),
    ("/staff/themes/{t1}/split", {"answer_ids": "{a}", "name": "x"}),
    ("/staff/answers/{a}/move", {"to": "{t2}"}),
    ("/staff/answers/{a}/confirm", {"theme": "{t1}"}),
    ("/staff/answers/{a}/reject", {"theme": "{t1}"}),
    ("/staff/questions/{q}/undo", {}),
    ("/staff/themes/{t1}/signoff", {}),
]


def _fill(value, ids):  # type: ignore[no-untyped-def]
    if isinstance(value, list):
        return [v.format(**ids) for v in value]
    return str(value).format(**ids)


@pytest.mark.parametrize("role", ["coalition_member", "moderator", "safeguarding_lead"])
def test_only_officers_and_admins_edit_the_board(client, login, setup, sessions, role):
    login(role)
    ids = {"t1": setup["t1"].id, "t2": setup["t2"].id, "q": setup["q"].id, "a": setup["heritage"][0].id}
    token = csrf_from(client.get(_board(setup)).text)
    for route, data in ROLE_POSTS:
        payload = {k: _fill(v, ids) for k, v in data.items()}
        r = client.post(route.format(**ids), data={**payload, "csrftoken": token})
        assert r.status_code == 403, route
    with sessions() as s:
        assert s.scalar(select(func.count(ThemeEdit.id))) == 0


def test_anonymous_visitors_cannot_see_the_board(client, setup):
    r = client.get(_board(setup), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/staff/login")


def test_coalition_members_comment_and_propose_officers_decide(client, login, setup, sessions, app):
    member = login("coalition_member")
    qid = setup["q"].id
    r = form_post(
        client,
        _board(setup),
        f"/staff/themes/{setup['t1'].id}/notes",
        {"body": "Include Claudia Jones", "question": qid},
    )
    assert "Include Claudia Jones" in r.text
    r = form_post(
        client,
        _board(setup),
        f"/staff/questions/{qid}/proposals",
        [
            ("kind", "merge"),
            ("theme_ids", str(setup["t1"].id)),
            ("theme_ids", str(setup["t3"].id)),
            ("name", "History"),
        ],
    )
    assert "Proposal sent to the officers." in r.text and "proposes to merge" in r.text
    assert "Accept" not in r.text.split("proposes to merge")[1][:600]  # no decision buttons for members
    from engage.models import ThemeProposal

    with sessions() as s:
        pid = s.scalars(select(ThemeProposal.id)).one()
    token = csrf_from(client.get(_board(setup)).text)
    assert (
        client.post(f"/staff/proposals/{pid}/decide", data={"decision": "accept", "csrftoken": token}).status_code
        == 403
    )
    client.post("/staff/logout", data={"csrftoken": token})

    login("officer")
    assert form_post(client, _board(setup), f"/staff/questions/{qid}/proposals", {"kind": "rename"}).status_code == 403
    r = form_post(
        client, _board(setup), f"/staff/proposals/{pid}/decide", {"decision": "accept", "question": qid}, headers=HX
    )
    assert r.status_code == 200 and "History" in r.text
    with sessions() as s:
        assert "History" in set(s.scalars(select(Theme.name)))
        assert s.get(ThemeProposal, pid).proposer_id == member.id


@pytest.mark.parametrize("role", ["officer", "coalition_member"])
def test_moderators_handle_the_flag_queue_others_cannot(client, login, setup, role):
    login(role)
    assert client.get(f"/staff/consultations/{setup['c'].id}/flags").status_code == 403
    token = csrf_from(client.get(_board(setup)).text)
    r = client.post(
        f"/staff/consultations/{setup['c'].id}/flags/{setup['cost'][0].id}",
        data={"action": "reviewed", "csrftoken": token},
    )
    assert r.status_code == 403


@pytest.mark.parametrize("htmx", [False, True])
def test_moderator_hides_an_abusive_comment_from_publication(client, login, db, sessions, htmx):
    c = make_consultation(db, status="closed")
    bad = make_comments(db, c, ["You are all idiots and worse"], flags=[{"kind": "abuse", "reason": "insult"}])
    make_comments(
        db, c, ["My child told a teacher about harm at home"], flags=[{"kind": "safeguarding", "reason": "harm"}]
    )
    make_theme(db, c.questions[1], answers=bad, quotes=["You are all idiots and worse"], response_text="Noted.")
    login("moderator")
    page = f"/staff/consultations/{c.id}/flags"
    listing = client.get(page)
    assert "You are all idiots" in listing.text and "teacher about harm" not in listing.text
    assert "safeguarding" not in listing.text.lower()
    r = form_post(client, page, f"{page}/{bad[0].id}", {"action": "hide", "reason": ""})
    assert "Enter why the comment is hidden" in r.text
    r = form_post(
        client, page, f"{page}/{bad[0].id}", {"action": "hide", "reason": "Abusive"}, headers=HX if htmx else {}
    )
    assert r.status_code == 200 and "Hidden: Abusive" in (r.text if htmx else client.get(page + "?show=all").text)
    with sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "comment.hide")).one()
        assert event.detail["after"]["reason"] == "Abusive" and "idiots" not in str(event.detail)


def test_safeguarding_flags_never_reach_coalition_members(client, login, db):
    c = make_consultation(db, status="closed")
    flagged = make_comments(
        db, c, ["My child told a teacher about harm at home"], flags=[{"kind": "safeguarding", "reason": "harm"}]
    )
    make_theme(db, c.questions[1], answers=flagged, quotes=["My child told a teacher about harm at home"])
    login("coalition_member")
    qid = c.questions[1].id
    for url in (f"/staff/questions/{qid}/board", f"/staff/questions/{qid}/comments?flag=safeguarding"):
        page = client.get(url).text
        assert "teacher about harm" not in page and "Possible safeguarding concern" not in page, url
        assert '<option value="safeguarding"' not in page
    assert client.get(f"/staff/consultations/{c.id}/flags").status_code == 403


def test_safeguarding_lead_sees_the_flag(client, login, db):
    c = make_consultation(db, status="closed")
    make_comments(
        db, c, ["My child told a teacher about harm at home"], flags=[{"kind": "safeguarding", "reason": "harm"}]
    )
    login("safeguarding_lead")
    page = client.get(f"/staff/consultations/{c.id}/flags").text
    assert "teacher about harm" in page and "Possible safeguarding concern" in page


@pytest.mark.parametrize("role", ["coalition_member", "moderator", "officer"])
def test_older_staff_pages_hide_safeguarding_flags_too(client, login, db, role):
    c = make_consultation(db, status="closed")
    flagged = make_comments(
        db, c, ["My child told a teacher about harm at home"], flags=[{"kind": "safeguarding", "reason": "harm"}]
    )
    theme = make_theme(db, c.questions[1], answers=flagged)
    login(role)
    for url in (f"/staff/consultations/{c.id}/responses", f"/staff/themes/{theme.id}"):
        page = client.get(url).text
        assert "Possible safeguarding concern" not in page, url
        if role != "officer":
            assert "teacher about harm" not in page, url


def test_public_results_never_quote_hidden_or_safeguarding_comments(client, db):
    c = make_consultation(db, status="published")
    flagged = make_comments(
        db, c, ["My child told a teacher about harm at home"], flags=[{"kind": "safeguarding", "reason": "x"}]
    )
    fine = make_comments(db, c, ["Name the park after Olive Morris"])
    make_theme(
        db,
        c.questions[1],
        answers=flagged + fine,
        quotes=["My child told a teacher about harm at home", "Name the park after Olive Morris"],
        response_text="We will.",
    )
    page = client.get(f"/consultations/{c.slug}/results").text
    assert "Olive Morris" in page and "teacher about harm" not in page


def test_moderation_checks_the_comment_belongs_to_the_consultation(client, login, db):
    c = make_consultation(db, status="closed")
    other = make_consultation(db, status="closed")
    bad = make_comments(db, other, ["Spam spam spam"], flags=[{"kind": "spam", "reason": "links"}])
    login("moderator")
    page = f"/staff/consultations/{c.id}/flags"
    assert form_post(client, page, f"{page}/{bad[0].id}", {"action": "reviewed"}).status_code == 404


ALL = {"admin", "officer", "moderator", "coalition_member", "safeguarding_lead"}
MANAGE = {"admin", "officer"}
MATRIX = [
    # (method, route, data, roles allowed)
    ("GET", "/staff/questions/{q}/board", None, ALL),
    ("GET", "/staff/questions/{q}/comments", None, ALL),
    ("GET", "/staff/questions/{q}/insight", None, ALL),
    ("GET", "/staff/questions/{q}/insight.csv", None, ALL),
    ("GET", "/staff/consultations/{c}/representation", None, ALL),
    ("GET", "/staff/consultations/{c}/report", None, ALL),
    ("GET", "/staff/consultations/{c}/commitments", None, ALL),
    ("GET", "/staff/population", None, ALL),
    ("GET", "/staff/consultations/{c}/flags", None, {"admin", "moderator", "safeguarding_lead"}),
    ("GET", "/staff/consultations/{c}/export.json", None, MANAGE),
    ("GET", "/staff/consultations/{c}/export.comments.csv", None, MANAGE),
    *[("POST", route, data, MANAGE) for route, data in ROLE_POSTS],
    ("POST", "/staff/themes/{t1}/notes", {"body": "A note"}, MANAGE | {"coalition_member"}),
    (
        "POST",
        "/staff/questions/{q}/proposals",
        {"kind": "rename", "theme_ids": "{t1}", "name": "x"},
        {"coalition_member"},
    ),
    ("POST", "/staff/proposals/{p}/decide", {"decision": "reject"}, MANAGE),
    ("POST", "/staff/consultations/{c}/flags/{a}", {"action": "reviewed"}, {"admin", "moderator", "safeguarding_lead"}),
    ("POST", "/staff/population", {"share:age_band:Under 13": "14"}, MANAGE),
    ("POST", "/staff/consultations/{c}/commitments", {"title": "x", "owner": "y", "due_on": "2027-01-01"}, MANAGE),
    ("POST", "/staff/commitments/{k}/status", {"status": "done"}, MANAGE),
]


@pytest.mark.parametrize("role", sorted(ALL))
def test_every_review_action_checks_the_role(client, login, setup, db, role):
    from engage.models import Commitment, ThemeProposal

    proposal = ThemeProposal(question_id=setup["q"].id, kind="rename", theme_ids=[setup["t1"].id], new_name="x")
    commitment = Commitment(consultation_id=setup["c"].id, title="x", owner="y", due_on=dt.date(2027, 1, 1))
    db.add_all([proposal, commitment])
    db.commit()
    ids = {
        "t1": setup["t1"].id,
        "t2": setup["t2"].id,
        "q": setup["q"].id,
        "a": setup["heritage"][0].id,
        "c": setup["c"].id,
        "p": proposal.id,
        "k": commitment.id,
    }
    login(role)
    token = csrf_from(client.get(_board(setup)).text)
    for method, route, data, allowed in MATRIX:
        url = route.format(**ids)
        if method == "GET":
            r = client.get(url)
        else:
            payload = {k: _fill(v, ids) for k, v in (data or {}).items()}
            r = client.post(url, data={**payload, "csrftoken": token})
        if role in allowed:
            assert r.status_code != 403, (role, method, url)
        else:
            assert r.status_code == 403, (role, method, url, r.status_code)
