"""Forums through HTTP: spaces, threads, replies (with and without htmx), pre-moderation, reports,
moderation and its CSV log."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from engage.models import Answer, ForumPost, Response
from engage.services import forums
from tests.conftest import csrf_from


def _post(client, url, data):  # type: ignore[no-untyped-def]
    page = client.get(url)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    return client.post(url, data={**data, "csrftoken": csrf_from(page.text), "idempotency_key": key})


def _spaces(db):  # type: ignore[no-untyped-def]
    found = {s.slug: s for s in forums.spaces(db)}
    return found["parents-forum"], found["youth-forum"]


def test_parents_forum_posts_appear_at_once_and_are_stored_as_responses(client, db, sessions):
    parents, _ = _spaces(db)
    index = client.get("/forums")
    assert "Youth forum" in index.text and "Parents&#39; forum" in index.text
    r = _post(
        client,
        "/forums/parents-forum",
        {"title": "School run parking", "display_name": "Jo", "text": "Parking outside Beckwith Primary is dangerous."},
    )
    assert r.status_code == 200 and "School run parking" in r.text and "Your post has been published" in r.text
    thread_url = str(r.url)
    reply = _post(client, thread_url, {"display_name": "Sam", "text": "Agreed, we need a crossing."})
    assert "Agreed, we need a crossing." in reply.text
    with sessions() as s:
        channels = s.scalars(select(Response.channel)).all()
        assert channels == ["forum", "forum"]
        assert s.scalar(select(Response.audience).limit(1)) == "parent"
        texts = set(s.scalars(select(Answer.text)))
        assert "Agreed, we need a crossing." in texts
        assert all(a.question_id == parents.question_id for a in s.scalars(select(Answer)))


def test_htmx_reply_returns_the_thread_fragment(client, db):
    _spaces(db)
    r = _post(client, "/forums/parents-forum", {"title": "Libraries", "display_name": "Jo", "text": "Open longer."})
    url = str(r.url)
    page = client.get(url)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    frag = client.post(
        url,
        data={"csrftoken": csrf_from(page.text), "idempotency_key": key, "display_name": "Ali", "text": "Yes please"},
        headers={"HX-Request": "true"},
    )
    assert frag.status_code == 200 and "<h1" not in frag.text and "Yes please" in frag.text
    bad = client.post(
        url, data={"csrftoken": csrf_from(page.text), "display_name": "me@example.com"}, headers={"HX-Request": "true"}
    )
    assert "must not be an email address" in bad.text and "Enter your post" in bad.text


def test_youth_forum_is_premoderated(client, db, login, sessions):
    _spaces(db)
    r = _post(client, "/forums/youth-forum", {"title": "Skate park", "display_name": "Kai", "text": "We need one."})
    assert "will appear after a moderator has checked it" in r.text and "Childline" in r.text
    assert "Skate park" not in client.get("/forums/youth-forum").text
    with sessions() as s:
        post = s.scalars(select(ForumPost)).one()
        assert post.status == "pending"
        assert s.scalar(select(Response.audience)) == "young_person"

    login("moderator")
    queue = client.get("/staff/moderation")
    assert "Waiting for approval" in queue.text and "We need one." in queue.text
    r = client.post(
        f"/staff/moderation/posts/{post.id}", data={"csrftoken": csrf_from(queue.text), "action": "approve"}
    )
    assert "Post approved" in r.text
    assert "Skate park" in client.get("/forums/youth-forum").text


def test_report_then_hide_with_a_reason_logged_and_exported(client, db, login, sessions):
    _spaces(db)
    r = _post(client, "/forums/parents-forum", {"title": "Bins", "display_name": "Jo", "text": "=HYPERLINK(x) bins"})
    url = str(r.url)
    with sessions() as s:
        post_id = s.scalar(select(ForumPost.id))
    report_url = f"{url}/posts/{post_id}/report"
    assert report_url.replace("http://testserver", "") in r.text
    missing = client.post(report_url, data={"csrftoken": csrf_from(r.text)})
    assert missing.status_code == 400 and 'href="#reason-0"' in missing.text
    done = client.post(
        report_url, data={"csrftoken": csrf_from(r.text), "reason": "personal", "details": "Names a neighbour"}
    )
    assert "A moderator will look at the post" in done.text

    login("moderator")
    queue = client.get("/staff/moderation")
    assert "Reported 1 time" in queue.text and "personal details" in queue.text
    no_reason = client.post(
        f"/staff/moderation/posts/{post_id}", data={"csrftoken": csrf_from(queue.text), "action": "hide"}
    )
    assert no_reason.status_code == 400
    hidden = client.post(
        f"/staff/moderation/posts/{post_id}",
        data={"csrftoken": csrf_from(queue.text), "action": "hide", "reason": "=Shares a neighbour's address"},
    )
    assert "Post hidden" in hidden.text
    assert client.get(url).status_code == 404  # its only post is hidden
    log = client.get("/staff/moderation/log.csv")
    assert log.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(log.text)))
    assert rows[0] == ["when", "moderator", "action", "post", "space", "thread", "reason"]
    assert rows[1][2:] == ["hidden", str(post_id), "Parents' forum", "Bins", "'=Shares a neighbour's address"]


def test_moderation_is_for_moderators(client, db, login):
    login("coalition_member")
    assert client.get("/staff/moderation").status_code == 403
    assert client.get("/staff/moderation/log.csv").status_code == 403
    assert "/staff/moderation" not in client.get("/staff").text


def test_forum_consultations_are_not_listed_publicly(client, db):
    _spaces(db)
    assert "Forum:" not in client.get("/").text


def test_officers_add_spaces_and_young_peoples_are_always_premoderated(client, db, login, sessions):
    from tests.conftest import form_post

    login()
    data = {"name": "Eastside youth council", "description": "For young people in Eastside", "audience": "young_person"}
    r = form_post(client, "/staff/forums", "/staff/forums", data)
    assert "Space added" in r.text and "Eastside youth council" in r.text
    again = form_post(client, "/staff/forums", "/staff/forums", data)
    assert again.status_code == 400 and "already a space" in again.text
    with sessions() as s:
        from engage.models import ForumSpace

        space = s.scalars(select(ForumSpace).where(ForumSpace.slug == "eastside-youth-council")).one()
        assert space.premoderated
    assert "Eastside youth council" in client.get("/forums").text


def test_forum_spaces_page_is_for_managers(client, db, login):
    login("moderator")
    assert client.get("/staff/forums").status_code == 403


def test_moderators_see_what_the_reporter_wrote(client, db, login, sessions):
    _spaces(db)
    r = _post(client, "/forums/parents-forum", {"title": "Park", "display_name": "Jo", "text": "Meet at the park."})
    with sessions() as s:
        post_id = s.scalar(select(ForumPost.id))
    report_url = f"{r.url}/posts/{post_id}/report"
    note = "He keeps messaging my son, reach me on parent@example.com"
    sent = client.post(report_url, data={"csrftoken": csrf_from(r.text), "reason": "unsafe", "details": note})
    assert "A moderator will look at the post" in sent.text
    # A second report without a note adds a reason but no empty note.
    client.post(report_url, data={"csrftoken": csrf_from(r.text), "reason": "spam", "details": "  "})

    login("moderator")
    queue = client.get("/staff/moderation")
    assert "Reported 2 times" in queue.text
    notes = queue.text.split('data-testid="report-notes"')[1].split("</div>")[0]
    assert "He keeps messaging my son" in notes and forums.REPORT_REASONS["unsafe"].replace("'", "&#39;") in notes
    assert "parent@example.com" not in queue.text and forums.EMAIL_REMOVED in notes
    assert notes.count("<li>") == 1


def test_forums_show_house_rules_beside_every_post_form(client, db):
    assert "House rules" in client.get("/forums").text
    r = _post(client, "/forums/parents-forum", {"title": "Parks", "display_name": "Jo", "text": "More benches."})
    assert "House rules" in client.get("/forums/parents-forum").text
    assert "House rules" in r.text  # the thread page, with its reply form


def test_a_display_name_that_looks_like_a_full_name_gets_a_warning_then_can_be_kept(client, db, sessions):
    client.get("/forums")
    data = {"title": "Parks", "display_name": "Sarah Jones", "text": "More benches."}
    warned = _post(client, "/forums/parents-forum", data)
    assert warned.status_code == 400
    assert "Sarah Jones looks like a full name" in warned.text and 'name="keep_name"' in warned.text
    with sessions() as s:
        assert s.scalar(select(ForumPost.id)) is None
    kept = _post(client, "/forums/parents-forum", {**data, "keep_name": "y"})
    assert kept.status_code == 200 and "Sarah Jones" in kept.text
    ok = _post(client, "/forums/parents-forum", {**data, "display_name": "Happy Cyclist", "title": "Bikes"})
    assert ok.status_code == 200 and "looks like a full name" not in ok.text


def test_full_name_rule():
    from engage.forms import looks_like_full_name

    assert looks_like_full_name("Sarah Jones") and looks_like_full_name("Amina Okafor")
    assert not looks_like_full_name("Sarah") and not looks_like_full_name("Happy Cyclist")
    assert not looks_like_full_name("ParkFan22") and not looks_like_full_name("sarah jones 2")
