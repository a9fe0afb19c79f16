from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from engage.models import ResponseDraft, Status
from engage.services import drafts
from engage.services.errors import Conflict
from tests.factories import make_consultation

KEY = "test-secret"


def test_a_saved_draft_comes_back_only_with_its_code(db):
    c = make_consultation(db)
    saved = drafts.save(db, KEY, c.id, {"audience": ["resident"], "q1": ["My words"]}, days=28)
    assert drafts.normalise(saved.code) == saved.code
    loaded = drafts.load(db, KEY, c.id, saved.code.lower().replace("-", " "))
    assert loaded is not None and loaded.answers == {"audience": ["resident"], "q1": ["My words"]}
    assert drafts.load(db, KEY, c.id, drafts.new_code()) is None
    assert drafts.load(db, KEY, make_consultation(db).id, saved.code) is None  # another consultation's
    row = db.scalar(select(ResponseDraft))
    assert row is not None and "My words" not in row.sealed_answers and saved.code not in row.code_hash


def test_saving_again_with_the_code_replaces_the_draft(db):
    c = make_consultation(db)
    first = drafts.save(db, KEY, c.id, {"q1": ["one"]}, days=28)
    again = drafts.save(db, KEY, c.id, {"q1": ["two"]}, days=28, code=first.code)
    assert again.code == first.code
    assert db.scalar(select(func.count(ResponseDraft.id))) == 1
    loaded = drafts.load(db, KEY, c.id, first.code)
    assert loaded is not None and loaded.answers == {"q1": ["two"]}


def test_drafts_expire_and_are_deleted(db):
    c = make_consultation(db)
    then = dt.datetime(2026, 6, 1, 12, 0)
    saved = drafts.save(db, KEY, c.id, {"q1": ["x"]}, days=28, now=then)
    assert saved.expires_at == dt.datetime(2026, 6, 29, 12, 0)
    assert drafts.load(db, KEY, c.id, saved.code, now=dt.datetime(2026, 6, 29, 11, 59)) is not None
    assert drafts.load(db, KEY, c.id, saved.code, now=dt.datetime(2026, 6, 29, 12, 1)) is None
    assert drafts.purge(db, now=dt.datetime(2026, 6, 29, 12, 1)) == 1
    assert db.scalar(select(func.count(ResponseDraft.id))) == 0


def test_drafts_of_a_closed_consultation_are_deleted_and_none_are_saved(db):
    c = make_consultation(db)
    drafts.save(db, KEY, c.id, {"q1": ["x"]}, days=28)
    c.status = Status.CLOSED
    db.commit()
    assert drafts.purge(db) == 1
    with pytest.raises(Conflict):
        drafts.save(db, KEY, c.id, {"q1": ["x"]}, days=28)


def test_codes_are_checked_for_format():
    assert drafts.normalise("abcd efgh jkmn") == "ABCD-EFGH-JKMN"
    assert drafts.normalise("ABCD-EFGH") is None
    assert drafts.normalise("ABCD-EFGH-JKM0") is None  # 0 is not in the alphabet


def test_discard_deletes_the_draft(db):
    c = make_consultation(db)
    saved = drafts.save(db, KEY, c.id, {"q1": ["x"]}, days=28)
    drafts.discard(db, KEY, c.id, saved.code)
    assert drafts.load(db, KEY, c.id, saved.code) is None
