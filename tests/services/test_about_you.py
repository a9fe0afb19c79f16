from __future__ import annotations

import pytest

from engage.services import about_you
from engage.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_consultation, make_response


def test_every_question_offers_prefer_not_to_say():
    for field in ("age_band", "sex", "ethnic_group", "disability", "religion"):
        assert about_you.options(field)[-1] == "Prefer not to say"
    assert "Roma" in about_you.options("ethnic_group_detail", "White")


def test_changing_broad_group_clears_the_detail(db):
    c = make_consultation(db)
    r = make_response(db, c, {})
    about_you.save_answer(db, r.reference, "ethnic_group", "White")
    about_you.save_answer(db, r.reference, "ethnic_group_detail", "Irish")
    row = about_you.save_answer(db, r.reference, "ethnic_group", "Other ethnic group")
    assert row.ethnic_group_detail is None
    with pytest.raises(ValidationFailed):
        about_you.save_answer(db, r.reference, "ethnic_group_detail", "Irish")  # not in this group


def test_unknown_reference_and_field(db):
    with pytest.raises(NotFound):
        about_you.save_answer(db, "ZZZZ-ZZZZ", "sex", "Female")
    c = make_consultation(db)
    r = make_response(db, c, {})
    with pytest.raises(ValidationFailed):
        about_you.save_answer(db, r.reference, "response_id", "1")


def test_under_13_contact_refused_and_email_removed_when_cleared(db):
    c = make_consultation(db)
    r = make_response(db, c, {})
    about_you.save_contact(db, r.reference, "a@example.com", True)
    assert about_you.contact_state(db, r.reference).email == "a@example.com"
    about_you.save_contact(db, r.reference, "", False)
    assert about_you.contact_state(db, r.reference).email == ""
    about_you.save_answer(db, r.reference, "age_band", "Under 13")
    with pytest.raises(Conflict):
        about_you.save_contact(db, r.reference, "a@example.com", False)


def test_audiences_follow_the_age_given():
    everyone = ("resident", "parent", "young_person", "other")
    assert about_you.audiences_for(everyone, "45 to 54") == ("resident", "parent", "other")
    assert about_you.audiences_for(("young_person",), "18 to 24") == about_you.ADULT_AUDIENCES
    assert about_you.audiences_for(everyone, "Under 13") == ("young_person",)
    assert about_you.audiences_for(("resident",), "13 to 15") == ("resident",)  # nothing better to offer
    assert about_you.audiences_for(everyone, "Prefer not to say") == everyone
    assert about_you.audiences_for(everyone, None) == everyone


def test_nothing_more_is_stored_for_a_child_under_13(db):
    c = make_consultation(db)
    r = make_response(db, c, {})
    about_you.save_answer(db, r.reference, "age_band", "Under 13")
    for field, value in (("ethnic_group", "White"), ("religion", "Christian"), ("age_band", "16 to 17")):
        with pytest.raises(Conflict):
            about_you.save_answer(db, r.reference, field, value)
    assert about_you.options("age_band", young_person=True) == ["Under 13", "13 to 15", "16 to 17", "Prefer not to say"]
