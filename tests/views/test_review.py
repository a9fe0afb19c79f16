"""The theme board and comment list over HTTP: every action with and without htmx, and who may do what."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.models import AssignmentSource, AuditEvent, Theme, ThemeAssignment, ThemeEdit, ThemeOrigin
from tests.conftest import csrf_from, form_post
from tests.factories import make_comments, make_consultation, make_theme


@pytest.fixture
def setup(db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="closed")
    why = c.questions[1]
    heritage = make_comments(db, c, ["Honour Olive Morris with a new name", "Celebrate local Black history"], stance="support")
    cost = make_comments(db, c, ["New signs cost too much money", "Changing addresses is expensive"], stance="oppose")
    plaques = make_comments(db, c, ["Put up plaques that explain the history"], stance="mixed")
    t1 = make_theme(db, why, answers=heritage, name="Celebrate local heroes", quotes=["Honour Olive Morris with a new name"])
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
    r = form_post(client, _board(setup), f"/staff/questions/{setup['q'].id}/undo", {"edit": edit_id}, headers=HX if htmx else {})
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
        client, _board(setup), f"/staff/questions/{setup['q'].id}/merge", [("theme_ids", str(setup["t1"].id)), ("name", "x")]
    )
    assert "Choose 2 or more themes to merge" in r.text


@pytest.mark.parametrize("htmx", [False, True])
def test_move_confirm_and_reject_a_comment(client, login, setup, sessions, htmx):
    officer = login()
    answer = setup["plaques"][0]
    t1, t3 = setup["t1"], setup["t3"]
    h = HX if htmx else {}
    r = form_post(
        client, _board(setup), f"/staff/answers/{answer.id}/move", {"from": t3.id, "to": t1.id, "question": setup["q"].id}, headers=h
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
    form_post(client, _board(setup), f"/staff/answers/{other.id}/confirm", {"theme": setup["t2"].id, "question": setup["q"].id}, headers=h)
    with sessions() as s:
        a = s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id == other.id)).one()
        assert a.source == AssignmentSource.OFFICER and a.officer_id == officer.id

    third = setup["cost"][1]
    form_post(client, _board(setup), f"/staff/answers/{third.id}/reject", {"theme": setup["t2"].id, "question": setup["q"].id}, headers=h)
    with sessions() as s:
        assert s.scalars(select(ThemeAssignment).where(ThemeAssignment.answer_id == third.id)).all() == []
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions[-3:] == ["theme.comment_moved", "theme.assignment_confirmed", "theme.assignment_rejected"]


def test_create_split_delete_and_sign_off(client, login, setup, sessions):
    login()
    qid = setup["q"].id
    form_post(client, _board(setup), f"/staff/questions/{qid}/themes", {"name": "Schools should teach it", "description": ""})
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
        assert {"theme.created", "theme.split", "theme.deleted", "theme.signed_off"} <= set(s.scalars(select(AuditEvent.action)))


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
