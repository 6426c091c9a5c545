"""The schema as SQLAlchemy Core tables, shared by the app and the migrations.

Other parts add their tables to the same ``metadata`` in their own modules (for
example ``bot/storage/tables_staff.py``) and their own migration revisions.
Personal data lives only in the ``*_enc`` columns, as encrypted tokens (``bot.crypto``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

# Explicit constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite itself stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


REQUEST_STATUSES = ("new", "contacted", "scheduled", "closed", "not_a_fit")
OUTBOX_CHANNELS = ("email", "webhook")
OUTBOX_STATUSES = ("pending", "sent", "failed")
MESSAGE_ROLES = ("visitor", "bot")


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint that keeps ``column`` to ``values``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


instance = Table(
    "instance",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    comment="Per-installation secrets made at first migration (e.g. the salt for sender ids).",
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Optimistic concurrency: every turn bumps it, an update with a stale version fails.
    Column("version", Integer, nullable=False, default=1),
    Column("state_enc", Text, nullable=False),
    Column("crisis_flag", Boolean, nullable=False, default=False),
    Column("crisis_kind", String(64)),
    Column("channel", String(16), nullable=False, default="api"),
    # HMAC of a Rasa channel sender id; the raw sender id is never stored.
    Column("sender_hash", String(64), unique=True),
    Index("ix_conversations_updated_at", "updated_at"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "conversation_id",
        String(64),
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("role", String(16), nullable=False),
    Column("text_enc", Text, nullable=False),
    Column("buttons", JSON, nullable=False, default=list),
    Column("kind", String(32), nullable=False),
    Column("intent", String(128)),
    Column("confidence", Float),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint(one_of("role", MESSAGE_ROLES), name="role"),
    Index("ix_messages_conversation_id_id", "conversation_id", "id"),
)

assessment_requests = Table(
    "assessment_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "conversation_id",
        String(64),
        ForeignKey("conversations.id", ondelete="SET NULL"),
    ),
    Column("status", String(16), nullable=False, default="new", server_default="new"),
    Column("for_whom", String(32)),
    Column("first_name_enc", Text),
    Column("phone_enc", Text),
    Column("email_enc", Text),
    Column("contact_method", String(32)),
    Column("contact_time", String(64)),
    Column("voicemail_ok", Boolean),
    Column("text_ok", Boolean),
    Column("insurance_enc", Text),
    Column("consent_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint(one_of("status", REQUEST_STATUSES), name="status"),
    Index("ix_assessment_requests_status_created_at", "status", "created_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "request_id",
        Integer,
        ForeignKey("assessment_requests.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False, default="pending", server_default="pending"),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("last_error", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    UniqueConstraint("request_id", "channel", name="uq_outbox_request_id_channel"),
    CheckConstraint(one_of("channel", OUTBOX_CHANNELS), name="channel"),
    CheckConstraint(one_of("status", OUTBOX_STATUSES), name="status"),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)
