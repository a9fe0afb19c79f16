"""What a theming run found: counted the same way as what each role may list."""

from __future__ import annotations

from engage.services import run_summary
from tests.factories import make_comments, make_consultation, make_theme


def test_summary_counts_themes_other_points_and_flags(db):
    c = make_consultation(db, status="closed")
    why = c.questions[1]
    grouped = make_comments(db, c, ["Rename it", "Rename them", "Rename the road"])
    loose = make_comments(db, c, ["Bins are never emptied"])
    loose[0].redactions = [[0, 4, "NAME"]]
    make_comments(db, c, ["Buy cheap pills"], flags=[{"kind": "spam", "reason": "advert"}])
    make_comments(
        db,
        c,
        ["He hits me, you idiots"],
        flags=[{"kind": "safeguarding", "reason": "disclosure"}, {"kind": "abuse", "reason": "insult"}],
    )
    make_theme(db, why, answers=grouped, name="Rename")
    make_theme(db, why, answers=[], name="Empty")
    db.commit()

    officer = run_summary.summarise(db, c.id)
    assert (officer.comments, officer.themes, officer.themed, officer.other) == (5, 2, 3, 2)
    assert officer.flagged == {"spam": 1} and officer.redacted == 1
    [q] = officer.questions
    assert (q.question_id, q.comments, q.other) == (why.id, 5, 2)

    lead = run_summary.summarise(db, c.id, include_safeguarding=True)
    assert (lead.comments, lead.other) == (6, 3)
    assert lead.flagged == {"abuse": 1, "safeguarding": 1, "spam": 1} and lead.flagged_total == 3
