"""Equality insight: intervals, disclosure control and representativeness."""

from __future__ import annotations

import itertools
import random

import pytest
from sqlalchemy import select

from engage.models import Answer, EqualityAnswers, PopulationShare
from engage.services import insight
from engage.services.errors import ValidationFailed
from tests.factories import make_comments, make_consultation, make_staff, make_theme


def test_wilson_interval_known_values():
    low, high = insight.wilson(10, 100)
    assert round(low, 4) == 0.0552 and round(high, 4) == 0.1744  # Newcombe (1998)
    assert insight.wilson(0, 20)[0] == 0.0 and 0 < insight.wilson(0, 20)[1] < 0.17
    assert insight.wilson(0, 0) == (0.0, 1.0)


def _derivable(rows, grid):  # type: ignore[no-untyped-def]
    """A hidden cell that is the only hidden one in its row or column can be worked out."""
    lines = [[(r, c) for c in range(len(rows[0]))] for r in range(len(rows))]
    lines += [[(r, c) for r in range(len(rows))] for c in range(len(rows[0]))]
    return [line for line in lines if sum(1 for r, c in line if grid[r][c]) == 1]


def test_suppression_hides_small_counts_and_what_would_reveal_them():
    rows = [[120, 40, 3], [80, 30, 25], [60, 12, 20]]
    grid = insight.suppress(rows)
    assert grid[0][2] == "primary"
    assert not _derivable(rows, grid)
    assert sum(1 for row in grid for x in row if x == "secondary") >= 2


@pytest.mark.parametrize("seed", range(30))
def test_suppression_never_leaves_a_lone_hidden_cell(seed):
    rng = random.Random(seed)
    width = rng.randint(2, 6)
    rows = [[rng.choice([0, 2, 5, 9, 10, 11, 15, 30, 80]) for _ in range(width)] for _ in range(rng.randint(2, 7))]
    grid = insight.suppress(rows)
    for r, c in itertools.product(range(len(rows)), range(width)):
        if rows[r][c] < 10:
            assert grid[r][c] == "primary"
    assert not _derivable(rows, grid)


@pytest.fixture
def consultation(db):  # type: ignore[no-untyped-def]
    c = make_consultation(db, status="closed")
    housing = make_comments(db, c, [f"Housing repairs are too slow {i}" for i in range(40)])
    parks = make_comments(db, c, [f"Parks need lighting {i}" for i in range(40)])
    make_theme(db, c.questions[1], answers=housing, name="Housing repairs", quotes=["Housing repairs are too slow 1"])
    make_theme(db, c.questions[1], answers=parks, name="Park safety")
    # Black residents raise housing far more often; a handful of Mixed-ethnicity respondents.
    groups = (
        [("Black, Black British, Black Welsh, Caribbean or African", "African")] * 30
        + [("White", "Irish")] * 10
        + [("White", "English, Welsh, Scottish, Northern Irish or British")] * 32
        + [("Mixed or Multiple ethnic groups", "White and Black Caribbean")] * 4
        + [(None, None)] * 4
    )
    answers = housing + parks
    for a, (eth, detail) in zip(answers, groups, strict=True):
        db.add(
            EqualityAnswers(
                response_id=a.response_id, ethnic_group=eth, ethnic_group_detail=detail, age_band="25 to 34"
            )
        )
    db.commit()
    return c


def test_insight_breaks_down_by_group_with_intervals_and_suppression(db, consultation):
    data = insight.insight(db, consultation.questions[1].id)
    assert data.answered == 80 and data.with_equality == 80
    eth = next(t for t in data.tables if t.key == "ethnic_group")
    rows = {r.label: r for r in eth.rows}
    black = rows["Black, Black British, Black Welsh, Caribbean or African"]
    housing = black.cells[eth.themes.index("Housing repairs")]
    assert housing.count == 30 and housing.share == 1.0 and housing.compared == "higher"
    assert housing.low is not None and housing.low < 1.0  # an interval, not a bare percentage
    mixed = rows["Mixed or Multiple ethnic groups"]
    assert mixed.total.suppressed == "primary" and all(c.suppressed for c in mixed.cells)
    assert all(c.share is None and c.low is None for c in mixed.cells)  # nothing that gives a count away
    # Secondary suppression: no hidden count can be worked out from the totals.
    counts = [[r.total.count or 0] + [c.count or 0 for c in r.cells] for r in eth.rows]
    grid = [[r.total.suppressed] + [c.suppressed for c in r.cells] for r in eth.rows]
    assert not _derivable(counts, grid)
    detail = next(t for t in data.tables if t.key == "ethnic_group_detail")
    assert "White: Irish" in [r.label for r in detail.rows]


def test_representation_against_the_borough(db, consultation):
    insight.load_demo_population(db)
    assert not insight.load_demo_population(db)  # only once
    tables = {t.key: t for t in insight.representation(db, consultation.id)}
    eth = {r.category: r for r in tables["ethnic_group"].rows}
    assert tables["ethnic_group"].stated == 76
    assert eth["Asian, Asian British or Asian Welsh"].respondents.suppressed == "primary"
    assert eth["Black, Black British, Black Welsh, Caribbean or African"].verdict == "over"
    assert eth["Asian, Asian British or Asian Welsh"].population == pytest.approx(0.095)


def test_officers_edit_the_population_table(db, sessions):
    officer = make_staff(db)
    insight.save_population(
        db, officer.id, {("age_band", "Under 13"): "14.5", ("ethnic_group", "White"): "50"}, "Census 2021"
    )
    with sessions() as s:
        shares = {(p.dimension, p.category): p.share for p in s.scalars(select(PopulationShare))}
        assert shares == {("age_band", "Under 13"): 0.145, ("ethnic_group", "White"): 0.5}
    with pytest.raises(ValidationFailed):
        insight.save_population(db, officer.id, {("age_band", "Under 13"): "lots"}, "")
    with pytest.raises(ValidationFailed):
        insight.save_population(db, officer.id, {("age_band", "Under 13"): "140"}, "")


def test_no_answers_no_crash(db):
    c = make_consultation(db, status="closed")
    data = insight.insight(db, c.questions[1].id)
    assert data.answered == 0
    assert db.scalars(select(Answer)).all() == []
