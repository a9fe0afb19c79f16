"""equality answers and contacts apart from responses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 06:06:19.599520
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "equality_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=40), nullable=True),
        sa.Column("ethnic_group", sa.String(length=80), nullable=True),
        sa.Column("ethnic_group_detail", sa.String(length=120), nullable=True),
        sa.Column("sex", sa.String(length=40), nullable=True),
        sa.Column("disability", sa.String(length=40), nullable=True),
        sa.Column("religion", sa.String(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_equality_answers_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equality_answers")),
        sa.UniqueConstraint("response_id", name=op.f("uq_equality_answers_response_id")),
    )
    op.create_table(
        "response_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("notify_on_publish", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_contacts_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_contacts")),
        sa.UniqueConstraint("response_id", name=op.f("uq_response_contacts_response_id")),
    )


def downgrade() -> None:
    op.drop_table("response_contacts")
    op.drop_table("equality_answers")
