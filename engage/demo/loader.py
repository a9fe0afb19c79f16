"""`engage demo`: a borough's engagement work, modelled on London boroughs' anti-racism programmes.

A newcomer can walk every journey at once, without creating anything as staff:
- open consultations for residents (agreement, free text, choice), for young people, and for
  nominations and ideas (proposals with reasons and supports);
- forum threads with replies, one post waiting for moderation and one reported;
- a closed consultation with themes waiting for review (and flagged comments, one of them a
  safeguarding disclosure), and a published one with commitments in several states;
- a staff account for every role.

Dates are relative to the day the demo is loaded (each document says how many days from today it
closes), so open consultations are still open next year. Loading is idempotent: a consultation whose
slug already exists, and forums that already have threads, are left as they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engage import nlp_runtime
from engage.equality import PREFER_NOT_TO_SAY
from engage.models import (
    Answer,
    Audience,
    Channel,
    Consultation,
    ConsultationKind,
    EqualityAnswers,
    ForumThread,
    Question,
    QuestionKind,
    Response,
    Role,
    StaffUser,
    Status,
    Theme,
    ThemeOrigin,
    utcnow,
)
from engage.security import hash_password
from engage.services import commitments, forums, insight, proposals, responses, theming

DEMO_PASSWORD = "northbridge-demo-2026"  # noqa: S105 - the published demo password, printed by `engage demo`
DEMO_LOGIN = ("officer@northbridge.example", DEMO_PASSWORD)
DEMO_STAFF = [
    ("officer@northbridge.example", "Amara Okoye", Role.OFFICER),
    ("admin@northbridge.example", "Dan Whitfield", Role.ADMIN),
    ("coalition@northbridge.example", "Yusuf Demir", Role.COALITION_MEMBER),
    ("moderator@northbridge.example", "Priya Raman", Role.MODERATOR),
    ("safeguarding@northbridge.example", "Grace Mensah", Role.SAFEGUARDING_LEAD),
]
FILES = [
    "review-rename-reclaim.json",
    "listening-to-parents.json",
    "anti-racism-stocktake-2026.json",
    "youth-parliament-priorities-2027.json",
    "name-the-new-library.json",
]
FORUMS_FILE = "forums.json"


def _read(name: str) -> Any:
    return json.loads(resources.files("engage.demo").joinpath(name).read_text(encoding="utf-8"))


def demo_documents(today: dt.date | None = None) -> list[dict[str, Any]]:
    """The demo consultations, their dates moved so that each closes `closes_in_days` from today."""
    today = today or dt.date.today()
    return [shift_dates(_read(name), today) for name in FILES]


def shift_dates(doc: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Move every date in a document by the same number of days, keeping their order and spacing."""
    closes = dt.date.fromisoformat(doc["closes_on"])
    delta = (today + dt.timedelta(days=int(doc["closes_in_days"]))) - closes
    doc = dict(doc)
    doc["opens_on"] = (dt.date.fromisoformat(doc["opens_on"]) + delta).isoformat()
    doc["closes_on"] = (closes + delta).isoformat()
    doc["responses"] = [
        {**r, "submitted_at": (dt.datetime.fromisoformat(r["submitted_at"]) + delta).isoformat()}
        for r in doc.get("responses", [])
    ]
    return doc


def staff_logins() -> list[tuple[str, str, str]]:
    """(role, email, password) for every demo account, as `engage demo` and `make run` print them."""
    return [(role.value, email, DEMO_PASSWORD) for email, _, role in DEMO_STAFF]


def load_demo(sessions: sessionmaker[Session], spacy_model: str, today: dt.date | None = None) -> list[str]:
    lines = []
    with sessions() as db:
        for email, name, role in DEMO_STAFF:
            if db.scalar(select(StaffUser.id).where(StaffUser.email == email)) is None:
                db.add(StaffUser(email=email, display_name=name, role=role, password_hash=hash_password(DEMO_PASSWORD)))
        db.commit()
        if insight.load_demo_population(db):
            lines.append("population: loaded the demo borough's census figures")
        officer_id = _staff_id(db, Role.OFFICER)
    nlp = None
    for doc in demo_documents(today):
        with sessions() as db:
            if db.scalar(select(Consultation.id).where(Consultation.slug == doc["slug"])) is not None:
                lines.append(f"{doc['slug']}: already loaded")
                continue
            cid, n = create_from_document(db, doc)
            if doc.get("proposals"):
                n += _add_proposals(db, cid, doc)
        status = Status(doc["status"])
        # Open consultations are themed only where the public pages need it: a proposal's reason is
        # shown once the pipeline has checked it for personal details. Officers theme the others.
        if status != Status.OPEN or doc.get("kind") == ConsultationKind.PROPOSALS:
            nlp = nlp or nlp_runtime.load(spacy_model)
            theming.theme_consultation(sessions, cid, nlp)
        if status == Status.PUBLISHED:
            with sessions() as db:
                c = db.get(Consultation, cid)
                assert c is not None
                c.status = Status.PUBLISHED
                c.published_at = utcnow()
                db.commit()
                _add_commitments(db, officer_id, cid, doc, today or dt.date.today())
        lines.append(f"{doc['slug']}: loaded {n} responses" + ("" if status == Status.OPEN else " and themed them"))
    with sessions() as db:
        forum_ids = _load_forums(db)
    if forum_ids is None:
        lines.append("forums: already loaded")
    else:
        nlp = nlp or nlp_runtime.load(spacy_model)
        for cid in forum_ids:  # flags and redaction for the moderation queue
            theming.theme_consultation(sessions, cid, nlp)
        lines.append("forums: loaded threads and replies, one post waiting for moderation and one reported")
    return lines


def _staff_id(db: Session, role: Role) -> int:
    found = db.scalar(select(StaffUser.id).where(StaffUser.role == role).order_by(StaffUser.id).limit(1))
    assert found is not None
    return found


def _demo_key(*parts: object) -> str:
    """A stable idempotency key (and browser id) per demo item: loading twice adds nothing twice."""
    return hashlib.sha256("|".join(map(str, ("engage-demo", *parts))).encode()).hexdigest()[:40]


def _add_proposals(db: Session, consultation_id: int, doc: dict[str, Any]) -> int:
    c = db.get(Consultation, consultation_id)
    assert c is not None
    db.refresh(c, ["questions"])
    for i, p in enumerate(doc["proposals"]):
        proposals.propose(
            db,
            c,
            title=p["title"],
            reason=p["reason"],
            audience=Audience(p["audience"]),
            idempotency_key=_demo_key(doc["slug"], "proposal", i),
        )
    for view in proposals.list_public(db, c):
        wanted = next(p["supports"] for p in doc["proposals"] if p["title"] == view.title)
        for n in range(wanted):
            hashes = proposals.support_hashes(b"engage-demo", _demo_key(doc["slug"], view.id, n), "")
            proposals.add_support(db, view.id, browser_hash=hashes[0], email_hash=None)
    return len(doc["proposals"])


def _add_commitments(db: Session, officer_id: int, consultation_id: int, doc: dict[str, Any], today: dt.date) -> None:
    """The council's commitments, each moved through its states as officers would have."""
    theme_ids = {
        key: tid
        for key, tid in db.execute(
            select(Theme.key, Theme.id)
            .join(Question, Question.id == Theme.question_id)
            .where(Question.consultation_id == consultation_id)
        )
    }
    for item in doc.get("commitments", []):
        due = today + dt.timedelta(days=int(item["due_in_days"]))
        made = commitments.create(
            db, officer_id, consultation_id, item["title"], item["owner"], due.isoformat(), theme_ids.get(item["theme"])
        )
        for status, note in item["history"]:
            commitments.change_status(db, officer_id, made.id, status, note)


def _load_forums(db: Session) -> list[int] | None:
    """Threads and replies in the default spaces; None if the forums already have threads."""
    spaces = {s.slug: s for s in forums.spaces(db)}
    db.commit()
    if db.scalar(select(ForumThread.id).limit(1)) is not None:
        return None
    moderator_id = _staff_id(db, Role.MODERATOR)
    doc = _read(FORUMS_FILE)
    for slug, threads in doc["spaces"].items():
        space = spaces[slug]
        for t, thread in enumerate(threads):
            thread_id = None
            for n, item in enumerate(thread["posts"]):
                posted = forums.post(
                    db,
                    space,
                    display_name=item["name"],
                    text=item["text"],
                    idempotency_key=_demo_key(slug, t, n),
                    thread_id=thread_id,
                    title=thread["title"] if thread_id is None else "",
                )
                thread_id = posted.thread_id
                if item.get("approve"):
                    forums.moderate(db, moderator_id, posted.post_id, "approve")
                if item.get("report"):
                    forums.report(db, posted.post_id, item["report"]["reason"], item["report"]["details"])
    return [spaces[slug].consultation_id for slug in doc["spaces"]]


def create_from_document(db: Session, doc: dict[str, Any]) -> tuple[int, int]:
    """Create a consultation, its questions, responses and any codebook from a demo document."""
    status = Status(doc["status"])
    c = Consultation(
        slug=doc["slug"],
        title=doc["title"],
        summary=doc["summary"],
        body=doc["body"],
        audiences=list(doc["audiences"]),
        # Responses go in while it is open; the final status is set after theming.
        status=Status.CLOSED if status == Status.PUBLISHED else status,
        opens_on=dt.date.fromisoformat(doc["opens_on"]),
        closes_on=dt.date.fromisoformat(doc["closes_on"]),
        kind=ConsultationKind(doc.get("kind", ConsultationKind.CONSULTATION)),
        young_people=bool(doc.get("young_people")),
    )
    by_key: dict[str, Question] = {}
    for position, q in enumerate(doc["questions"], start=1):
        question = Question(
            position=position,
            kind=QuestionKind(q["kind"]),
            text=q["text"],
            hint=q.get("hint", ""),
            options=list(q.get("options", [])),
            required=bool(q.get("required")),
        )
        c.questions.append(question)
        by_key[q["key"]] = question
    db.add(c)
    db.flush()
    demo_equality: list[Response] = []
    for r in doc["responses"]:
        response = Response(
            consultation_id=c.id,
            reference=responses.new_reference(),
            channel=Channel(r["channel"]),
            audience=Audience(r["audience"]),
            submitted_at=dt.datetime.fromisoformat(r["submitted_at"]),
        )
        for key, value in r["answers"].items():
            q = by_key[key]
            if q.kind == QuestionKind.MULTIPLE_CHOICE:
                response.answers.append(Answer(question_id=q.id, choices=list(value)))
            else:
                response.answers.append(Answer(question_id=q.id, text=str(value)))
        db.add(response)
        demo_equality.append(response)
    db.flush()
    rng = random.Random(f"{doc['slug']}-equality")  # noqa: S311 - demo data, the same on every load
    for response in demo_equality:
        values = equality_answers_for(rng, response.audience)
        if values is not None:
            db.add(EqualityAnswers(response_id=response.id, **values))
    codebook = doc.get("codebook") or []
    if codebook:
        # The published demo shows the officers' curated codebook applied to the "why" answers.
        first_free = next(q for q in by_key.values() if q.kind == QuestionKind.FREE_TEXT)
        for position, t in enumerate(codebook, start=1):
            db.add(
                Theme(
                    question_id=first_free.id,
                    key=t["id"],
                    name=t["name"],
                    description=t["description"],
                    examples=list(t["examples"]),
                    origin=ThemeOrigin.OFFICER,
                    response_text=t["response"],
                    position=position,
                )
            )
    db.commit()
    return c.id, len(doc["responses"])


# Who answers the equality questions in the demo: about 60% of respondents, with a mix like the
# people who take part in an inner London borough's consultations (not like its population:
# White and older residents are over-represented, as they usually are).
EQUALITY_RESPONSE_RATE = 0.6
_ETHNIC = [
    (
        "White",
        0.56,
        [
            ("English, Welsh, Scottish, Northern Irish or British", 0.68),
            ("Irish", 0.06),
            ("Gypsy or Irish Traveller", 0.01),
            ("Roma", 0.01),
            ("Any other White background", 0.24),
        ],
    ),
    (
        "Black, Black British, Black Welsh, Caribbean or African",
        0.19,
        [
            ("African", 0.52),
            ("Caribbean", 0.40),
            ("Any other Black, Black British or Caribbean background", 0.08),
        ],
    ),
    (
        "Asian, Asian British or Asian Welsh",
        0.10,
        [
            ("Bangladeshi", 0.2),
            ("Chinese", 0.12),
            ("Indian", 0.3),
            ("Pakistani", 0.13),
            ("Any other Asian background", 0.25),
        ],
    ),
    (
        "Mixed or Multiple ethnic groups",
        0.07,
        [
            ("White and Asian", 0.25),
            ("White and Black African", 0.15),
            ("White and Black Caribbean", 0.35),
            ("Any other Mixed or Multiple ethnic background", 0.25),
        ],
    ),
    ("Other ethnic group", 0.04, [("Arab", 0.4), ("Any other ethnic group", 0.6)]),
    (PREFER_NOT_TO_SAY, 0.04, []),
]
_AGES = {
    Audience.YOUNG_PERSON: [("Under 13", 0.2), ("13 to 15", 0.5), ("16 to 17", 0.3)],
    Audience.PARENT: [
        ("25 to 34", 0.28),
        ("35 to 44", 0.45),
        ("45 to 54", 0.2),
        ("55 to 64", 0.04),
        (PREFER_NOT_TO_SAY, 0.03),
    ],
    None: [
        ("18 to 24", 0.07),
        ("25 to 34", 0.18),
        ("35 to 44", 0.18),
        ("45 to 54", 0.17),
        ("55 to 64", 0.16),
        ("65 to 74", 0.13),
        ("75 or over", 0.08),
        (PREFER_NOT_TO_SAY, 0.03),
    ],
}
_SEX = [("Female", 0.56), ("Male", 0.41), (PREFER_NOT_TO_SAY, 0.03)]
_DISABILITY = [("Yes, limited a lot", 0.08), ("Yes, limited a little", 0.12), ("No", 0.75), (PREFER_NOT_TO_SAY, 0.05)]


def _pick(rng: random.Random, options: list[tuple[Any, float]]) -> Any:
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]


def equality_answers_for(rng: random.Random, audience: Audience) -> dict[str, str | None] | None:
    """One respondent's equality answers, or None for the ~40% who skip the equality questions."""
    if rng.random() >= EQUALITY_RESPONSE_RATE:
        return None
    broad, _, details = _ETHNIC[_pick(rng, [(i, e[1]) for i, e in enumerate(_ETHNIC)])]
    return {
        "ethnic_group": broad,
        "ethnic_group_detail": _pick(rng, details) if details else None,
        "age_band": _pick(rng, _AGES.get(audience, _AGES[None])),
        "sex": _pick(rng, _SEX),
        "disability": _pick(rng, _DISABILITY),
    }
