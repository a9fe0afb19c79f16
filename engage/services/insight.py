"""Equality insight: which groups raise which themes, honestly, and who is missing.

- Shares come with a 95% Wilson score interval, never as a bare percentage.
- A group "raises a theme more (or less)" only when its interval and the interval for everyone
  else do not overlap: a deliberately cautious test.
- Disclosure control on every table: a count below 10 is shown as "fewer than 10", and secondary
  suppression hides further cells until no suppressed count can be worked out from the totals
  shown in its row or column. A suppressed cell shows no share or interval either (an interval
  would give its count away).
- Equality answers are only ever shown in aggregate, and never next to quotes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage import equality
from engage.labels import AUDIENCE, CHANNEL
from engage.models import (
    Answer,
    Consultation,
    EqualityAnswers,
    PopulationShare,
    Question,
    Response,
    Theme,
    ThemeAssignment,
)
from engage.services import audit
from engage.services.errors import NotFound, ValidationFailed

THRESHOLD = 10
Z = 1.959963984540054  # 95%
NOT_STATED = "Not stated"

DIMENSIONS: dict[str, str] = {
    "audience": "Who they are",
    "channel": "How they responded",
    "ethnic_group": "Ethnic group (broad)",
    "ethnic_group_detail": "Ethnic group (detailed)",
    "age_band": "Age",
    "disability": "Disability",
    "sex": "Sex",
}
POPULATION_DIMENSIONS = {"ethnic_group": "Ethnic group", "age_band": "Age"}


def wilson(k: int, n: int, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval for k successes in n trials."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def suppress(rows: list[list[int]], threshold: int = THRESHOLD) -> list[list[str | None]]:
    """Primary and secondary suppression of a table of counts.

    Returns a grid of None (shown) or a reason: "primary" (below the threshold) or "secondary"
    (hidden so that a primary cell cannot be worked out by subtraction from a row or column total).
    Any line with exactly one hidden cell gets its smallest shown cell hidden too, until stable.
    """
    grid: list[list[str | None]] = [["primary" if v < threshold else None for v in row] for row in rows]
    if not rows:
        return grid
    width = len(rows[0])

    def hide_one_more(cells: list[tuple[int, int]]) -> bool:
        hidden = [rc for rc in cells if grid[rc[0]][rc[1]] is not None]
        shown = [rc for rc in cells if grid[rc[0]][rc[1]] is None]
        if len(hidden) == 1 and shown:
            r, c = min(shown, key=lambda rc: (rows[rc[0]][rc[1]], rc))
            grid[r][c] = "secondary"
            return True
        return False

    changed = True
    while changed:
        changed = False
        for r in range(len(rows)):
            changed |= hide_one_more([(r, c) for c in range(width)])
        for c in range(width):
            changed |= hide_one_more([(r, c) for r in range(len(rows))])
    return grid


@dataclass(frozen=True)
class Cell:
    count: int | None  # None when suppressed
    share: float | None
    low: float | None
    high: float | None
    suppressed: str | None  # "primary", "secondary" or None
    compared: str | None  # "higher", "lower" or None (no clear difference)


@dataclass(frozen=True)
class GroupRow:
    label: str
    total: Cell  # how many in this group answered the question
    cells: list[Cell]  # one per theme


@dataclass(frozen=True)
class DimensionTable:
    key: str
    title: str
    themes: list[str]
    rows: list[GroupRow]
    stated: int  # respondents with an answer for this dimension (for equality dimensions)


@dataclass(frozen=True)
class Insight:
    consultation: Consultation
    question: Question
    answered: int
    overall: list[tuple[str, Cell]]
    tables: list[DimensionTable]
    with_equality: int


def _group_values(db: Session, question_id: int) -> list[tuple[int, dict[str, str]]]:
    rows = db.execute(
        select(
            Answer.id,
            Response.audience,
            Response.channel,
            EqualityAnswers.ethnic_group,
            EqualityAnswers.ethnic_group_detail,
            EqualityAnswers.age_band,
            EqualityAnswers.disability,
            EqualityAnswers.sex,
            EqualityAnswers.id,
        )
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(EqualityAnswers, EqualityAnswers.response_id == Response.id)
        .where(Answer.question_id == question_id, Answer.text.is_not(None))
    ).all()
    out = []
    for aid, audience, channel, eth, eth_detail, age, dis, sex, eq_id in rows:
        out.append(
            (
                aid,
                {
                    "audience": AUDIENCE[audience].split(" (")[0],
                    "channel": CHANNEL[channel],
                    "ethnic_group": eth or NOT_STATED,
                    "ethnic_group_detail": (f"{eth}: {eth_detail}" if eth and eth_detail else eth_detail) or NOT_STATED,
                    "age_band": age or NOT_STATED,
                    "disability": dis or NOT_STATED,
                    "sex": sex or NOT_STATED,
                    "_equality": "yes" if eq_id else "",
                },
            )
        )
    return out


def _order(key: str, labels: set[str]) -> list[str]:
    known: list[str] = {
        "ethnic_group": list(equality.ETHNIC_GROUPS),
        "ethnic_group_detail": [f"{g}: {d}" for g, ds in equality.ETHNIC_GROUPS.items() for d in ds],
        "age_band": list(equality.AGE_BANDS),
        "disability": list(equality.DISABILITY),
        "sex": list(equality.SEXES),
    }.get(key, [])
    ordered = [x for x in known if x in labels]
    ordered += sorted(x for x in labels if x not in ordered and x not in (equality.PREFER_NOT_TO_SAY, NOT_STATED))
    ordered += [x for x in (equality.PREFER_NOT_TO_SAY, NOT_STATED) if x in labels]
    return ordered


def _cell(k: int, n: int, suppressed: str | None, rest: tuple[int, int] | None = None) -> Cell:
    if suppressed:
        return Cell(None, None, None, None, suppressed, None)
    low, high = wilson(k, n)
    compared = None
    if rest is not None and rest[1] > 0:
        r_low, r_high = wilson(*rest)
        if low > r_high:
            compared = "higher"
        elif high < r_low:
            compared = "lower"
    return Cell(k, k / n if n else 0.0, low, high, None, compared)


def insight(db: Session, question_id: int) -> Insight:
    q = db.get(Question, question_id)
    if q is None:
        raise NotFound(str(question_id))
    c = db.get(Consultation, q.consultation_id)
    assert c is not None
    themes = db.scalars(select(Theme).where(Theme.question_id == q.id).order_by(Theme.position, Theme.id)).all()
    members: dict[int, set[int]] = defaultdict(set)
    for theme_id, answer_id in db.execute(
        select(ThemeAssignment.theme_id, ThemeAssignment.answer_id).where(
            ThemeAssignment.theme_id.in_([t.id for t in themes])
        )
    ):
        members[theme_id].add(answer_id)
    people = _group_values(db, q.id)
    n = len(people)
    themes = sorted(themes, key=lambda t: (-len(members[t.id]), t.name))
    names = [t.name for t in themes]
    totals = [len(members[t.id]) for t in themes]
    # Overall counts are already public on the results page; it is the breakdowns that need control.
    overall = [(name, _cell(k, n, None)) for name, k in zip(names, totals, strict=True)]
    tables = []
    for key, title in DIMENSIONS.items():
        groups: dict[str, list[int]] = defaultdict(list)
        for aid, values in people:
            groups[values[key]].append(aid)
        order = _order(key, set(groups))
        counts = [[len(groups[g])] + [len(members[t.id] & set(groups[g])) for t in themes] for g in order]
        grid = suppress(counts)
        rows = []
        for gi, g in enumerate(order):
            n_g = counts[gi][0]
            cells = [
                _cell(
                    counts[gi][ti + 1],
                    n_g,
                    grid[gi][ti + 1],
                    rest=(totals[ti] - counts[gi][ti + 1], n - n_g),
                )
                for ti in range(len(themes))
            ]
            rows.append(GroupRow(g, _cell(n_g, n, grid[gi][0]), cells))
        stated = sum(len(v) for g, v in groups.items() if g not in (NOT_STATED, equality.PREFER_NOT_TO_SAY))
        tables.append(DimensionTable(key, title, names, rows, stated))
    with_equality = sum(1 for _, v in people if v["_equality"])
    return Insight(c, q, n, overall, tables, with_equality)


# ---- Representativeness ----------------------------------------------------------------------


@dataclass(frozen=True)
class RepresentationRow:
    category: str
    respondents: Cell  # share of respondents who stated a category
    population: float | None
    verdict: str | None  # "under", "over" or None


@dataclass(frozen=True)
class Representation:
    key: str
    title: str
    stated: int
    rows: list[RepresentationRow]


def representation(db: Session, consultation_id: int) -> list[Representation]:
    """Who took part compared with the borough, by broad ethnic group and by age band."""
    pop: dict[str, dict[str, float]] = defaultdict(dict)
    for p in db.scalars(select(PopulationShare)):
        pop[p.dimension][p.category] = p.share
    out = []
    for key, title in POPULATION_DIMENSIONS.items():
        column = getattr(EqualityAnswers, key)
        counts: dict[str, int] = dict(
            db.execute(
                select(column, func.count())
                .join(Response, Response.id == EqualityAnswers.response_id)
                .where(
                    Response.consultation_id == consultation_id,
                    column.is_not(None),
                    column != equality.PREFER_NOT_TO_SAY,
                )
                .group_by(column)
            ).all()
        )
        categories = _order(key, set(counts) | set(pop[key]))
        values = [counts.get(cat, 0) for cat in categories]
        stated = sum(values)
        grid = suppress([[v] for v in values] + [[stated]]) if values else []
        rows = []
        for i, cat in enumerate(categories):
            cell = _cell(values[i], stated, grid[i][0])
            share = pop[key].get(cat)
            verdict = None
            if cell.low is not None and share is not None:
                verdict = (
                    "under" if cell.high is not None and cell.high < share else "over" if cell.low > share else None
                )
            rows.append(RepresentationRow(cat, cell, share, verdict))
        out.append(Representation(key, title, stated, rows))
    return out


def population(db: Session) -> dict[str, list[tuple[str, float | None, str]]]:
    have = {(p.dimension, p.category): p for p in db.scalars(select(PopulationShare))}
    out: dict[str, list[tuple[str, float | None, str]]] = {}
    for key in POPULATION_DIMENSIONS:
        cats = list(equality.ETHNIC_GROUPS) if key == "ethnic_group" else list(equality.AGE_BANDS)
        rows = []
        for cat in cats:
            p = have.get((key, cat))
            rows.append((cat, p.share if p else None, p.source if p else ""))
        out[key] = rows
    return out


def save_population(db: Session, actor_id: int, values: dict[tuple[str, str], str], source: str) -> None:
    """Officers edit the census shares (entered as percentages)."""
    errors: dict[str, str] = {}
    parsed: dict[tuple[str, str], float | None] = {}
    for (dim, cat), raw in values.items():
        if dim not in POPULATION_DIMENSIONS:
            continue
        raw = raw.strip().rstrip("%")
        if not raw:
            parsed[(dim, cat)] = None
            continue
        try:
            pct = float(raw)
        except ValueError:
            errors[f"{dim}:{cat}"] = f"Enter a percentage for {cat}, like 12.5"
            continue
        if not 0 <= pct <= 100:
            errors[f"{dim}:{cat}"] = f"The percentage for {cat} must be between 0 and 100"
        parsed[(dim, cat)] = pct / 100
    if errors:
        raise ValidationFailed(errors)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    have = {(p.dimension, p.category): p for p in db.scalars(select(PopulationShare))}
    for (dim, cat), share in parsed.items():
        row = have.get((dim, cat))
        if share is None:
            if row is not None:
                before[f"{dim}:{cat}"] = row.share
                db.delete(row)
            continue
        if row is None:
            row = PopulationShare(dimension=dim, category=cat, share=share, source=source.strip()[:200])
            db.add(row)
        elif row.share != share or row.source != source.strip()[:200]:
            before[f"{dim}:{cat}"] = row.share
            row.share, row.source = share, source.strip()[:200]
        else:
            continue
        after[f"{dim}:{cat}"] = share
    audit.record(db, actor_id, "population.updated", "population", None, before=before, after=after)
    db.commit()


# The demo borough's figures: modelled on inner London boroughs in the 2021 Census (ONS), rounded.
DEMO_POPULATION: dict[str, dict[str, float]] = {
    "ethnic_group": {
        "Asian, Asian British or Asian Welsh": 0.095,
        "Black, Black British, Black Welsh, Caribbean or African": 0.248,
        "Mixed or Multiple ethnic groups": 0.084,
        "White": 0.515,
        "Other ethnic group": 0.058,
    },
    "age_band": {
        "Under 13": 0.140,
        "13 to 15": 0.033,
        "16 to 17": 0.021,
        "18 to 24": 0.085,
        "25 to 34": 0.205,
        "35 to 44": 0.165,
        "45 to 54": 0.130,
        "55 to 64": 0.100,
        "65 to 74": 0.065,
        "75 or over": 0.056,
    },
}
DEMO_SOURCE = "Northbridge demo figures, modelled on inner London boroughs (Census 2021)"


def load_demo_population(db: Session) -> bool:
    if db.scalar(select(func.count(PopulationShare.id))):
        return False
    for dim, shares in DEMO_POPULATION.items():
        for cat, share in shares.items():
            db.add(PopulationShare(dimension=dim, category=cat, share=share, source=DEMO_SOURCE))
    db.commit()
    return True
