"""Tables of the staff dashboard: accounts, sessions, login throttling, setup links, the audit
trail and the status/note history of assessment requests.

They share ``bot.storage.tables.metadata``; migration ``0002_staff`` creates them. Secrets
(session tokens, setup tokens) are stored only as SHA-256 hashes, passwords only as argon2id
hashes, and internal notes only encrypted (``note_enc``) because they may repeat personal data.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from bot.storage.tables import REQUEST_STATUSES, UtcDateTime, metadata, one_of

STAFF_ROLES = ("admin", "staff")
EVENT_KINDS = ("status", "note")
THROTTLE_SCOPES = ("account", "address")


staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Staff work addresses, stored lower-cased; not visitor data, so not encrypted.
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("last_login_at", UtcDateTime()),
    CheckConstraint(one_of("role", STAFF_ROLES), name="role"),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column(
        "staff_id",
        Integer,
        ForeignKey("staff_accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("ip", String(64)),
    Index("ix_staff_sessions_staff_id", "staff_id"),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("scope", String(16), primary_key=True),
    # SHA-256 of the attempted email or the client address: typos of visitors' or strangers'
    # addresses are not kept in clear.
    Column("key_hash", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("window_started_at", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime()),
    CheckConstraint(one_of("scope", THROTTLE_SCOPES), name="scope"),
)

setup_tokens = Table(
    "setup_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # No foreign key: the trail outlives whatever it mentions.
    Column("actor_id", Integer),
    Column("actor", String(254), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(254)),
    Column("ip", String(64)),
    Column("details", JSON, nullable=False, default=dict),
    Index("ix_audit_log_action_id", "action", "id"),
    Index("ix_audit_log_created_at", "created_at"),
    comment="Append-only: the migration installs triggers that reject UPDATE and DELETE.",
)

request_events = Table(
    "request_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "request_id",
        Integer,
        ForeignKey("assessment_requests.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("staff_id", Integer, ForeignKey("staff_accounts.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("old_status", String(16)),
    Column("new_status", String(16)),
    Column("note_enc", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint(one_of("kind", EVENT_KINDS), name="kind"),
    CheckConstraint(
        f"new_status IS NULL OR {one_of('new_status', REQUEST_STATUSES)}", name="new_status"
    ),
    Index("ix_request_events_request_id_id", "request_id", "id"),
)
