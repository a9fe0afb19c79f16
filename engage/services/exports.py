"""Exports of a consultation's responses. Free text is always redacted."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage import csvsafe
from engage.models import Answer, Question, QuestionKind, Response, Theme, ThemeAssignment
from engage.services import consultations

Redactor = Callable[[Sequence[str]], list[str]]


def redact_with(nlp: Any, texts: Sequence[str]) -> list[str]:
    from nlp import analyse

    return [a.redacted for a in analyse(nlp, list(texts))]


def export_consultation(db: Session, consultation_id: int, redact: Redactor) -> dict[str, Any]:
    c = consultations.get(db, consultation_id)
    questions = {q.id: q for q in c.questions}
    answers = db.execute(
        select(Answer, Response)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.consultation_id == consultation_id)
        .order_by(Response.submitted_at, Response.id, Answer.question_id)
    ).all()
    # Answers that theming has not checked yet are redacted now, never exported raw.
    pending = [
        a
        for a, _ in answers
        if a.text and questions[a.question_id].kind == QuestionKind.FREE_TEXT and a.redacted is None
    ]
    fresh = dict(zip([a.id for a in pending], redact([a.text or "" for a in pending]), strict=True)) if pending else {}
    themes_by_answer: dict[int, list[str]] = defaultdict(list)
    for answer_id, name in db.execute(
        select(ThemeAssignment.answer_id, Theme.name)
        .join(Theme, Theme.id == ThemeAssignment.theme_id)
        .where(Theme.question_id.in_(list(questions)))
        .order_by(Theme.position, Theme.id)
    ):
        themes_by_answer[answer_id].append(name)

    by_response: dict[int, dict[str, Any]] = {}
    for a, r in answers:
        entry = by_response.setdefault(
            r.id,
            {
                "reference": r.reference,
                "channel": r.channel.value,
                "audience": r.audience.value,
                "submitted_at": r.submitted_at.isoformat(timespec="seconds"),
                "answers": [],
                "themes": [],
            },
        )
        q: Question = questions[a.question_id]
        if q.kind == QuestionKind.FREE_TEXT:
            value: Any = a.redacted if a.redacted is not None else fresh.get(a.id, "")
        elif q.kind == QuestionKind.MULTIPLE_CHOICE:
            value = list(a.choices or [])
        else:
            value = a.text
        entry["answers"].append(
            {
                "question": q.text,
                "question_position": q.position,
                "kind": q.kind.value,
                "answer": value,
                "themes": themes_by_answer.get(a.id, []),
            }
        )
        for name in themes_by_answer.get(a.id, []):
            if name not in entry["themes"]:
                entry["themes"].append(name)
    return {
        "consultation": {"slug": c.slug, "title": c.title, "status": c.status.value},
        "questions": [{"position": q.position, "text": q.text, "kind": q.kind.value} for q in c.questions],
        "responses": list(by_response.values()),
    }


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = "; ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    # Spreadsheet formula injection: a cell starting with = + - @ would run as a formula in Excel.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def to_csv(data: dict[str, Any]) -> str:
    """One row per response, one column per question, then the themes."""
    questions = data["questions"]
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(["reference", "channel", "audience", "submitted_at", *[q["text"] for q in questions], "themes"])
    for r in data["responses"]:
        by_pos = {a["question_position"]: a["answer"] for a in r["answers"]}
        writer.writerow(
            [
                r["reference"],
                r["channel"],
                r["audience"],
                r["submitted_at"],
                *[_cell(by_pos.get(q["position"])) for q in questions],
                _cell(r["themes"]),
            ]
        )
    return out.getvalue()


def export_review(db: Session, consultation_id: int) -> dict[str, Any]:
    """The themes and their redacted comments, for staff to take elsewhere.

    Only redacted text; comments not yet checked for personal data are left out; no flags.
    """
    from engage.models import CommentModeration, ThemeSignoff

    c = consultations.get(db, consultation_id)
    questions = {q.id: q for q in c.questions if q.kind == QuestionKind.FREE_TEXT}
    themes = db.scalars(
        select(Theme)
        .where(Theme.question_id.in_(list(questions)))
        .order_by(Theme.question_id, Theme.position, Theme.id)
    ).all()
    signed = set(db.scalars(select(ThemeSignoff.theme_id).where(ThemeSignoff.theme_id.in_([t.id for t in themes]))))
    by_answer: dict[int, list[str]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    names = {t.id: t.name for t in themes}
    for answer_id, theme_id in db.execute(
        select(ThemeAssignment.answer_id, ThemeAssignment.theme_id).where(ThemeAssignment.theme_id.in_(list(names)))
    ):
        by_answer[answer_id].append(names[theme_id])
        counts[theme_id] += 1
    hidden = set(db.scalars(select(CommentModeration.answer_id).where(CommentModeration.hidden.is_(True))))
    rows = db.execute(
        select(Answer.id, Answer.question_id, Answer.redacted, Answer.stance, Response)
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.question_id.in_(list(questions)), Answer.redacted.is_not(None))
        .order_by(Answer.id)
    ).all()
    return {
        "consultation": {"slug": c.slug, "title": c.title, "status": c.status.value},
        "themes": [
            {
                "id": t.id,
                "question": questions[t.question_id].text,
                "name": t.name,
                "description": t.description,
                "origin": t.origin.value,
                "comments": counts[t.id],
                "signed_off": t.id in signed,
                "what_we_will_do": t.response_text,
            }
            for t in themes
        ],
        "comments": [
            {
                "reference": r.reference,
                "question": questions[qid].text,
                "comment": redacted,
                "stance": stance,
                "channel": r.channel.value,
                "audience": r.audience.value,
                "submitted_at": r.submitted_at.isoformat(timespec="seconds"),
                "themes": sorted(by_answer.get(aid, [])),
                "hidden_from_publication": aid in hidden,
            }
            for aid, qid, redacted, stance, r in rows
        ],
    }


def review_csv(data: dict[str, Any], part: str) -> str:
    """`part` is "themes" or "comments": one CSV each, every cell protected against formulas."""
    rows = data[part]
    out = io.StringIO()
    writer = csvsafe.writer(out)
    if rows:
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow([_cell(v) for v in row.values()])
    return out.getvalue()
