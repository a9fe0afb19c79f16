"""What a theming run found, for the officer who ran it: themes, comments placed in them, comments
left as "other points" (in no theme), personal details removed and flags raised.

A safeguarding flag, and even the fact that a comment has one, is for the safeguarding lead only:
for everyone else the comments carrying one are left out of every figure, so no count gives it away.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.models import Answer, Question, QuestionKind, Theme, ThemeAssignment

SAFEGUARDING = "safeguarding"


@dataclass(frozen=True)
class QuestionSummary:
    question_id: int
    text: str
    comments: int  # free-text answers read
    themes: int
    themed: int  # comments placed in at least one theme
    other: int  # comments in no theme: the "other points"


@dataclass(frozen=True)
class RunSummary:
    questions: list[QuestionSummary]
    redacted: int  # comments with personal details removed
    flagged: dict[str, int] = field(default_factory=dict)  # flag kind → comments carrying it

    @property
    def comments(self) -> int:
        return sum(q.comments for q in self.questions)

    @property
    def themes(self) -> int:
        return sum(q.themes for q in self.questions)

    @property
    def themed(self) -> int:
        return sum(q.themed for q in self.questions)

    @property
    def other(self) -> int:
        return sum(q.other for q in self.questions)

    @property
    def flagged_total(self) -> int:
        return sum(self.flagged.values())


def summarise(db: Session, consultation_id: int, *, include_safeguarding: bool = False) -> RunSummary:
    questions = db.execute(
        select(Question.id, Question.text)
        .where(Question.consultation_id == consultation_id, Question.kind == QuestionKind.FREE_TEXT)
        .order_by(Question.position, Question.id)
    ).all()
    ids = [q.id for q in questions]
    theme_counts = dict(
        db.execute(
            select(Theme.question_id, func.count(Theme.id))
            .where(Theme.question_id.in_(ids))
            .group_by(Theme.question_id)
        ).all()
    )
    themed_ids = set(
        db.scalars(
            select(ThemeAssignment.answer_id)
            .join(Theme, Theme.id == ThemeAssignment.theme_id)
            .where(Theme.question_id.in_(ids))
            .distinct()
        )
    )
    per_question: dict[int, list[int]] = {q.id: [0, 0] for q in questions}  # comments, themed
    flagged: Counter[str] = Counter()
    redacted = 0
    for answer_id, question_id, flags, redactions in db.execute(
        select(Answer.id, Answer.question_id, Answer.flags, Answer.redactions).where(
            Answer.question_id.in_(ids), Answer.text.is_not(None)
        )
    ):
        kinds = {str(f.get("kind")) for f in flags or [] if isinstance(f, dict)}
        if SAFEGUARDING in kinds and not include_safeguarding:
            continue
        counts = per_question[question_id]
        counts[0] += 1
        counts[1] += answer_id in themed_ids
        redacted += bool(redactions)
        for kind in kinds:
            flagged[kind] += 1
    return RunSummary(
        [
            QuestionSummary(
                q.id,
                q.text,
                per_question[q.id][0],
                theme_counts.get(q.id, 0),
                per_question[q.id][1],
                per_question[q.id][0] - per_question[q.id][1],
            )
            for q in questions
        ],
        redacted,
        dict(sorted(flagged.items())),
    )
