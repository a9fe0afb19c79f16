"""sessions and tokens: staff session epochs (revocable sign in) and spent public-form tokens

Adds one column with a default (no table is rebuilt) and one new table.

Revision ID: 0006_i14_sessions_tokens
Revises: 0005
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_i14_sessions_tokens"
down_revision: str | None = "0006_i15_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("staff_users", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "spent_form_tokens",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("bound_key", sa.String(length=64), nullable=True),
        sa.Column("spent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_spent_form_tokens")),
    )
    op.create_index(op.f("ix_spent_form_tokens_spent_at"), "spent_form_tokens", ["spent_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_spent_form_tokens_spent_at"), table_name="spent_form_tokens")
    op.drop_table("spent_form_tokens")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("session_epoch")
