"""review workspace: theme edits and undo, notes and proposals, moderation, census shares,
commitments, notification tracking, and full-text search over redacted comments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:08:32.899397
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "population_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_shares")),
        sa.UniqueConstraint("dimension", "category", name=op.f("uq_population_shares_dimension")),
    )
    op.create_table(
        "theme_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("audit_event_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("undo", sa.JSON(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff_users.id"], name=op.f("fk_theme_edits_actor_id_staff_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["audit_event_id"],
            ["audit_events.id"],
            name=op.f("fk_theme_edits_audit_event_id_audit_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_theme_edits_question_id_questions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_edits")),
    )
    with op.batch_alter_table("theme_edits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_edits_question_id"), ["question_id"], unique=False)

    op.create_table(
        "theme_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("theme_ids", sa.JSON(), nullable=False),
        sa.Column("new_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "accepted", "rejected", name="proposal_status", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_users.id"],
            name=op.f("fk_theme_proposals_decided_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"],
            ["staff_users.id"],
            name=op.f("fk_theme_proposals_proposer_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_theme_proposals_question_id_questions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_proposals")),
    )
    with op.batch_alter_table("theme_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_proposals_question_id"), ["question_id"], unique=False)

    op.create_table(
        "comment_moderation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("hidden_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_comment_moderation_answer_id_answers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff_users.id"],
            name=op.f("fk_comment_moderation_reviewed_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_moderation")),
        sa.UniqueConstraint("answer_id", name=op.f("uq_comment_moderation_answer_id")),
    )
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned", "in_progress", "done", "dropped", name="commitment_status", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_commitments_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_commitments_theme_id_themes"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitments_consultation_id"), ["consultation_id"], unique=False)

    op.create_table(
        "theme_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff_users.id"], name=op.f("fk_theme_notes_author_id_staff_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_theme_notes_theme_id_themes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_notes")),
    )
    with op.batch_alter_table("theme_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_notes_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "commitment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["staff_users.id"],
            name=op.f("fk_commitment_events_actor_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name=op.f("fk_commitment_events_commitment_id_commitments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_events")),
    )
    with op.batch_alter_table("commitment_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_events_commitment_id"), ["commitment_id"], unique=False)

    op.create_index("ix_theme_assignments_board", "theme_assignments", ["theme_id", "source", "answer_id"])
    # A plain ADD COLUMN: nothing is rebuilt.
    op.add_column("response_contacts", sa.Column("notified_at", sa.DateTime(), nullable=True))

    op.create_table(
        "theme_rejections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_theme_rejections_answer_id_answers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["staff_users.id"],
            name=op.f("fk_theme_rejections_officer_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_theme_rejections_theme_id_themes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_rejections")),
        sa.UniqueConstraint("theme_id", "answer_id", name=op.f("uq_theme_rejections_theme_id")),
    )
    with op.batch_alter_table("theme_rejections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_rejections_answer_id"), ["answer_id"], unique=False)

    op.create_table(
        "theme_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("signed_off_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signed_off_by_id"],
            ["staff_users.id"],
            name=op.f("fk_theme_signoffs_signed_off_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_theme_signoffs_theme_id_themes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_signoffs")),
        sa.UniqueConstraint("theme_id", name=op.f("uq_theme_signoffs_theme_id")),
    )
    _create_search()


def downgrade() -> None:
    _drop_search()
    op.drop_index("ix_theme_assignments_board", table_name="theme_assignments")
    op.drop_table("theme_signoffs")
    with op.batch_alter_table("theme_rejections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_rejections_answer_id"))

    op.drop_table("theme_rejections")
    with op.batch_alter_table("response_contacts", schema=None) as batch_op:
        batch_op.drop_column("notified_at")

    with op.batch_alter_table("commitment_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_events_commitment_id"))

    op.drop_table("commitment_events")
    with op.batch_alter_table("theme_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_notes_theme_id"))

    op.drop_table("theme_notes")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitments_consultation_id"))

    op.drop_table("commitments")
    op.drop_table("comment_moderation")
    with op.batch_alter_table("theme_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_proposals_question_id"))

    op.drop_table("theme_proposals")
    with op.batch_alter_table("theme_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_edits_question_id"))

    op.drop_table("theme_edits")
    op.drop_table("population_shares")


# Full-text search over the REDACTED text of answers (never the raw text). Not in the models:
# SQLite needs an FTS5 table kept in step by triggers; PostgreSQL an expression GIN index.
# engage.services.comments queries them; tests/test_migrations.py leaves them out of the comparison.
SEARCH_OBJECTS = ("answers_fts", "ix_answers_redacted_fts")


def _create_search() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE answers_fts USING fts5(redacted, content='answers', content_rowid='id', "
            "tokenize='porter unicode61')"
        )
        op.execute(
            "INSERT INTO answers_fts(rowid, redacted) SELECT id, redacted FROM answers WHERE redacted IS NOT NULL"
        )
        op.execute(
            "CREATE TRIGGER answers_fts_insert AFTER INSERT ON answers WHEN new.redacted IS NOT NULL BEGIN "
            "INSERT INTO answers_fts(rowid, redacted) VALUES (new.id, new.redacted); END"
        )
        op.execute(
            "CREATE TRIGGER answers_fts_delete AFTER DELETE ON answers WHEN old.redacted IS NOT NULL BEGIN "
            "INSERT INTO answers_fts(answers_fts, rowid, redacted) VALUES ('delete', old.id, old.redacted); END"
        )
        op.execute(
            "CREATE TRIGGER answers_fts_update AFTER UPDATE OF redacted ON answers BEGIN "
            "INSERT INTO answers_fts(answers_fts, rowid, redacted) SELECT 'delete', old.id, old.redacted "
            "WHERE old.redacted IS NOT NULL; "
            "INSERT INTO answers_fts(rowid, redacted) SELECT new.id, new.redacted WHERE new.redacted IS NOT NULL; END"
        )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_answers_redacted_fts ON answers USING gin (to_tsvector('english', coalesce(redacted, '')))"
        )


def _drop_search() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("answers_fts_insert", "answers_fts_delete", "answers_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS answers_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_answers_redacted_fts")
