"""Unanswered questions: visitor messages that fell back, masked and encrypted, for editors.

Revision ID: 0003_unanswered
Revises: 0002_staff
Create Date: 2024-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_unanswered"
down_revision = "0002_staff"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("top_intent", sa.String(128), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("handled_at", TS, nullable=True),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "reason IN ('out_of_scope', 'ambiguous')",
            name=op.f("ck_unanswered_questions_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_unanswered_questions_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"],
            ["staff_accounts.id"],
            name="fk_unanswered_questions_handled_by_staff_accounts",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_unanswered_questions"),
    )
    op.create_index(
        "ix_unanswered_questions_handled_at_id", "unanswered_questions", ["handled_at", "id"]
    )
    op.create_index(
        "ix_unanswered_questions_conversation_id", "unanswered_questions", ["conversation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_unanswered_questions_conversation_id", table_name="unanswered_questions")
    op.drop_index("ix_unanswered_questions_handled_at_id", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
