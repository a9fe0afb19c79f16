from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engage.models import Answer, ForumPost, ForumThread
from engage.services import forums, theming
from engage.services.errors import ValidationFailed


def _parents(db):  # type: ignore[no-untyped-def]
    return next(s for s in forums.spaces(db) if s.slug == "parents-forum")


def test_the_same_post_sent_twice_is_stored_once(db, sessions):
    space = _parents(db)
    first = forums.post(db, space, display_name="Jo", text="Hello", title="Hi", idempotency_key="k" * 32)
    again = forums.post(db, space, display_name="Jo", text="Hello", title="Hi", idempotency_key="k" * 32)
    assert first == again
    with sessions() as s:
        assert s.scalar(select(func.count(ForumPost.id))) == 1
        assert s.scalar(select(func.count(ForumThread.id))) == 1


def test_display_names_are_never_emails(db):
    space = _parents(db)
    with pytest.raises(ValidationFailed):
        forums.post(db, space, display_name="jo@example.com", text="x", title="t", idempotency_key="k" * 32)


def test_posts_are_themed_with_their_space(db, sessions, nlp):
    space = _parents(db)
    texts = [
        "Parking outside the school gates is dangerous at pick up",
        "Cars park on the zig zags outside the school every morning",
        "We need a lollipop person and safer parking near the school",
        "The library should open on Sunday afternoons",
        "Longer library opening hours would help working parents",
        "Please keep the library open later in the evening",
    ]
    for i, text in enumerate(texts):
        forums.post(
            db, space, display_name=f"Parent {i}", text=text, title=f"Topic {i}", idempotency_key=f"key{i:029d}"
        )
    theming.theme_consultation(sessions, space.consultation_id, nlp)
    with sessions() as s:
        assert all(s.scalars(select(Answer.redacted)))
        assert s.scalar(
            select(func.count()).select_from(theming.Theme).where(theming.Theme.question_id == space.question_id)
        )


def test_email_addresses_typed_into_posts_are_never_shown(db):
    space = _parents(db)
    posted = forums.post(
        db,
        space,
        display_name="Jo",
        text="Email me at jo.bloggs+school@example.co.uk",
        title="Contact jo@example.com",
        idempotency_key="e" * 32,
    )
    thread, posts = forums.get_thread(db, space, posted.thread_id)
    assert "example" not in posts[0].text and forums.EMAIL_REMOVED in posts[0].text
    assert thread.title == f"Contact {forums.EMAIL_REMOVED}"
    assert forums.threads(db, space)[0].title == f"Contact {forums.EMAIL_REMOVED}"
