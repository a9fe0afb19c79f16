"""The comment list: allow-listed filters, full-text search over redacted text, keyset pages,
and who sees safeguarding flags."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from engage.models import Answer, Role
from engage.services import comments
from engage.services.errors import NotFound, ValidationFailed
from tests.factories import make_comments, make_consultation, make_staff, make_theme

SAFE = [{"kind": "safeguarding", "reason": "mentions harm"}]
ABUSE = [{"kind": "abuse", "reason": "slur"}]


@pytest.fixture
def c(db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="closed")
    make_comments(db, c, ["Plaques would explain the history", "Renaming costs money"], channel="paper")
    make_comments(db, c, ["Someone at school hurts me"], flags=SAFE, audience="young_person")
    make_comments(db, c, ["Offensive words here"], flags=ABUSE, stance="oppose")
    return c


def _list(db, c, role=Role.OFFICER, **params):  # type: ignore[no-untyped-def]
    f = comments.parse_filters({k: str(v) for k, v in params.items()}, role)
    return comments.list_comments(db, c.questions[1].id, f, role)


def test_search_uses_the_full_text_index_and_follows_updates(db, c):
    assert [r.redacted for r in _list(db, c, q="plaque").rows] == ["Plaques would explain the history"]
    assert _list(db, c, q='money" OR "x').total == 0  # every word must appear: no search syntax
    assert _list(db, c, q='"money*').total == 1
    answer = db.scalars(select(Answer).where(Answer.redacted == "Renaming costs money")).one()
    answer.redacted = "Renaming costs [NAME] money"  # theming re-redacts: the index follows
    db.commit()
    assert _list(db, c, q="renaming").rows[0].redacted == "Renaming costs [NAME] money"
    assert _list(db, c, q="history money").total == 0


def test_raw_text_is_never_searched(db, c):
    answer = db.scalars(select(Answer).where(Answer.redacted == "Renaming costs money")).one()
    answer.text = "Renaming costs money, call Jane Smith on 07700 900123"
    db.commit()
    assert _list(db, c, q="Jane").total == 0


def test_filters_are_allow_listed(db, c):
    assert _list(db, c, channel="paper").total == 2
    assert _list(db, c, stance="oppose").total == 1
    assert _list(db, c, audience="young_person").total == 1
    assert _list(db, c, flag="abuse").total == 1
    assert _list(db, c, channel="carrier pigeon").total == 4  # ignored, not an error
    f = comments.parse_filters({"flag": "safeguarding", "sort": "id; drop table", "theme": "1 or 1=1"}, Role.OFFICER)
    assert f.flag is None and f.sort == "newest" and f.theme is None
    today = dt.date.today()
    assert _list(db, c, **{"from": (today + dt.timedelta(days=1)).isoformat()}).total == 0
    assert _list(db, c, to=today.isoformat()).total == 4


def test_theme_filter_and_unthemed(db, c):
    first = db.scalars(select(Answer).where(Answer.redacted == "Plaques would explain the history")).one()
    theme = make_theme(db, c.questions[1], answers=[first])
    assert _list(db, c, theme=theme.id).total == 1
    assert _list(db, c, theme="none").total == 3


def test_keyset_pages_cover_everything_once(db, c):
    make_comments(db, c, [f"comment {i}" for i in range(23)])
    qid = c.questions[1].id
    for sort in ("newest", "oldest"):
        seen: list[int] = []
        cursor = None
        f = comments.parse_filters({"sort": sort}, Role.OFFICER)
        while True:
            page = comments.list_comments(db, qid, f, Role.OFFICER, cursor, page_size=10)
            seen += [r.answer_id for r in page.rows]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert len(seen) == len(set(seen)) == 27
        assert seen == sorted(seen, reverse=sort == "newest")


def test_safeguarding_is_for_the_safeguarding_lead_only(db, c):
    lead = _list(db, c, Role.SAFEGUARDING_LEAD, flag="safeguarding")
    assert lead.total == 1 and lead.rows[0].flags == SAFE
    officer = _list(db, c, Role.OFFICER)
    assert officer.total == 4 and all(f["kind"] != "safeguarding" for r in officer.rows for f in r.flags)
    for role in (Role.COALITION_MEMBER, Role.MODERATOR):
        rows = _list(db, c, role).rows
        assert len(rows) == 3 and "Someone at school hurts me" not in [r.redacted for r in rows]
    assert comments.withheld_texts(db, c.questions[1].id) == {"Someone at school hurts me"}
    assert comments.withheld_texts(db, c.questions[1].id, can_see_safeguarding=True) == set()


def test_flag_queue_and_moderation(db, c):
    moderator = make_staff(db, role="moderator")
    queue = comments.flag_queue(db, c.id, Role.MODERATOR)
    assert [i.row.redacted for i in queue] == ["Offensive words here"]
    assert [i.row.redacted for i in comments.flag_queue(db, c.id, Role.SAFEGUARDING_LEAD)] == [
        "Someone at school hurts me"
    ]
    aid = queue[0].row.answer_id
    with pytest.raises(ValidationFailed):
        comments.moderate(db, moderator.id, Role.MODERATOR, aid, "hide", "")
    comments.moderate(db, moderator.id, Role.MODERATOR, aid, "hide", "Racist abuse")
    assert comments.flag_queue(db, c.id, Role.MODERATOR) == []
    assert comments.withheld_texts(db, c.questions[1].id) >= {"Offensive words here"}
    assert _list(db, c, flag="hidden").rows[0].hidden_reason == "Racist abuse"
    safe_id = comments.flag_queue(db, c.id, Role.SAFEGUARDING_LEAD)[0].row.answer_id
    with pytest.raises(NotFound):
        comments.moderate(db, moderator.id, Role.MODERATOR, safe_id, "reviewed")
