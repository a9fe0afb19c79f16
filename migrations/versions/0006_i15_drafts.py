"""drafts: responses saved to finish later, and one question per page as a consultation setting

A new table and one new column with a default (no existing table is rebuilt).

Revision ID: 0006_i15_drafts
Revises: 0005
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_i15_drafts"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "response_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("sealed_answers", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_response_drafts_consultation_id_consultations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_drafts")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_response_drafts_code_hash")),
    )
    op.create_index(op.f("ix_response_drafts_consultation_id"), "response_drafts", ["consultation_id"])
    op.create_index(op.f("ix_response_drafts_expires_at"), "response_drafts", ["expires_at"])
    # add_column needs no table rebuild on SQLite; batch mode is only needed to drop it.
    op.add_column(
        "consultations",
        sa.Column("one_question_per_page", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("one_question_per_page")
    op.drop_index(op.f("ix_response_drafts_expires_at"), table_name="response_drafts")
    op.drop_index(op.f("ix_response_drafts_consultation_id"), table_name="response_drafts")
    op.drop_table("response_drafts")
