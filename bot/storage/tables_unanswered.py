"""The unanswered-questions table: visitor messages the bot could not answer, for editors.

Migration ``0003_unanswered`` creates it. The text is stored with personal data masked
(``bot.unanswered.masking``) *and* encrypted: masking is best effort (a name the visitor never
typed into the form is not known to be one), so the stored text is treated like any other
visitor text. Deleting a conversation (``iop-bot purge``, an erasure request) deletes its
unanswered questions with it.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from bot.storage.tables import UtcDateTime, metadata

UNANSWERED_REASONS = ("out_of_scope", "ambiguous")

unanswered_questions = Table(
    "unanswered_questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "conversation_id",
        String(64),
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # The visitor's message with phones, emails, names and long numbers masked; encrypted.
    Column("text_enc", Text, nullable=False),
    Column("reason", String(16), nullable=False),
    # The best-ranked intent and its confidence (below the threshold, or tied with another).
    Column("top_intent", String(128)),
    Column("confidence", Float),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("handled_at", UtcDateTime()),
    Column("handled_by", Integer, ForeignKey("staff_accounts.id", ondelete="SET NULL")),
    CheckConstraint(
        "reason IN ({})".format(", ".join(repr(r) for r in UNANSWERED_REASONS)), name="reason"
    ),
    # The review page reads the newest open questions: WHERE handled_at IS NULL ORDER BY id DESC.
    Index("ix_unanswered_questions_handled_at_id", "handled_at", "id"),
    Index("ix_unanswered_questions_conversation_id", "conversation_id"),
)
