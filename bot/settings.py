"""Every runtime setting, declared once as data.

Each setting has a name, a type, a default and a help text. Values come from,
in rising order of precedence: the defaults below, an optional settings file
(``iop-bot.yml`` in the working directory, or the file named by
``IOP_BOT_SETTINGS_FILE``), ``IOP_BOT_<NAME>`` environment variables, and
explicit overrides (command-line flags, tests). ``docs/settings.md`` documents
each one; a test fails when a setting is missing there.

The center's own facts (name, phone, crisis numbers) are content, not
settings: they live in the content pack's ``center.yml``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ENV_PREFIX = "IOP_BOT_"
DEFAULT_SETTINGS_FILE = "iop-bot.yml"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


def _default_content_dir() -> str:
    """The working directory when it holds a content pack, else the demo pack beside the package."""
    if (Path.cwd() / "center.yml").is_file():
        return "."
    return str(Path(__file__).resolve().parent.parent)


def _spec(default: Any, help: str, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"help": help, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """One immutable settings object; the app factory and the CLI take exactly this."""

    # --- server -----------------------------------------------------------------
    host: str = _spec("127.0.0.1", "Address the web server listens on.")
    port: int = _spec(8080, "Port the web server listens on.")
    public_url: str = _spec(
        "",
        "Base URL where visitors and staff reach this server, used in links inside "
        "notifications and the setup link. Empty means http://HOST:PORT.",
    )
    allowed_origins: tuple[str, ...] = _spec(
        (),
        "Comma-separated origins (scheme://host[:port]) of the websites allowed to embed "
        "the widget and call the chat API. The server's own origin is always allowed.",
    )
    database_url: str = _spec(
        "sqlite+aiosqlite:///data/iop-bot.db",
        "SQLAlchemy URL of the database. The SQLite default is created and migrated on "
        "first start; a postgresql+asyncpg:// URL works with the same code.",
    )
    content_dir: str = _spec(
        "",
        "Folder of the content pack (center.yml, intents/, responses/). Empty means the "
        "working directory when it holds center.yml, else the demo pack.",
    )
    log_level: str = _spec("INFO", "Logging level: DEBUG, INFO, WARNING or ERROR.")
    dev_mode: bool = _spec(
        False,
        "Development mode: allows running without an encryption key and with plain-HTTP "
        "staff cookies. Never enable in production.",
    )
    shutdown_timeout: float = _spec(
        10.0, "Seconds that in-flight requests get to finish on shutdown."
    )

    # --- chat API limits --------------------------------------------------------
    max_message_chars: int = _spec(1000, "Longest visitor message accepted, in characters.")
    max_body_bytes: int = _spec(16384, "Largest request body accepted by the chat API, in bytes.")
    rate_limit_ip: str = _spec(
        "120/minute", "Chat API requests allowed per client address (limits notation)."
    )
    rate_limit_conversation: str = _spec(
        "30/minute", "Messages allowed per conversation (limits notation)."
    )

    # --- matcher ----------------------------------------------------------------
    match_threshold: float = _spec(
        0.52,
        "Lowest confidence (0-1) at which the best intent is answered; below it the "
        "message is out of scope. Chosen from the held-out evaluation.",
    )
    ambiguity_margin: float = _spec(
        0.05,
        "When the top two intents are closer than this, the bot asks 'Did you mean A or "
        "B?' instead of answering.",
    )

    # --- staff and security -----------------------------------------------------
    encryption_keys: tuple[str, ...] = _spec(
        (),
        "Comma-separated Fernet keys for personal data at rest; the first encrypts, all "
        "decrypt (key rotation). Generate one with 'iop-bot keys generate'.",
        secret=True,
    )
    session_idle_minutes: int = _spec(30, "Staff sessions end after this many idle minutes.")
    login_max_failures: int = _spec(
        5, "Failed logins (per account or per address) before a temporary lockout."
    )
    login_lockout_minutes: int = _spec(15, "How long a login lockout lasts, in minutes.")

    # --- notifications ----------------------------------------------------------
    smtp_host: str = _spec("", "SMTP server for new-request emails. Empty disables email.")
    smtp_port: int = _spec(587, "SMTP server port.")
    smtp_tls: str = _spec(
        "starttls", "SMTP transport security: 'starttls', 'tls' (implicit) or 'none'."
    )
    smtp_username: str = _spec("", "SMTP user name, if the server needs one.")
    smtp_password: str = _spec("", "SMTP password, if the server needs one.", secret=True)
    notify_email_from: str = _spec("", "Sender address of new-request emails.")
    notify_email_to: tuple[str, ...] = _spec(
        (), "Comma-separated admissions addresses that receive new-request emails."
    )
    webhook_url: str = _spec(
        "", "URL that receives a signed JSON POST for each new request. Empty disables it."
    )
    webhook_secret: str = _spec(
        "", "Shared secret for the webhook's HMAC-SHA256 signature.", secret=True
    )
    outbox_max_attempts: int = _spec(
        12, "Delivery attempts per notification before it is marked failed."
    )
    outbox_poll_seconds: float = _spec(
        2.0, "How often the notification worker looks for due deliveries."
    )

    # --- retention --------------------------------------------------------------
    retention_conversation_days: int = _spec(
        30,
        "'iop-bot purge' deletes conversations that never became a request after this many days.",
    )
    retention_closed_request_days: int = _spec(
        365, "'iop-bot purge' deletes closed requests after this many days."
    )

    # --- editors ----------------------------------------------------------------
    watch_content: bool = _spec(
        True, "Reload the content pack when its files change (after it validates)."
    )

    # -----------------------------------------------------------------------------
    @property
    def content_path(self) -> Path:
        return Path(self.content_dir or _default_content_dir()).resolve()

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @classmethod
    def load(
        cls,
        overrides: Mapping[str, Any] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        settings_file: str | Path | None = None,
    ) -> Settings:
        """Build settings from the file, the environment and explicit overrides."""
        env = os.environ if environ is None else environ
        raw: dict[str, Any] = {}
        path = settings_file or env.get(ENV_PREFIX + "SETTINGS_FILE") or DEFAULT_SETTINGS_FILE
        path = Path(path)
        if path.is_file():
            data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(data, dict):
                raise SettingsError(f"{path}: expected a mapping of setting names to values")
            raw.update(data)
        known = {f.name for f in fields(cls)}
        for key, value in env.items():
            if key.startswith(ENV_PREFIX) and key != ENV_PREFIX + "SETTINGS_FILE":
                name = key[len(ENV_PREFIX) :].lower()
                if name in known:
                    raw[name] = value
        if overrides:
            raw.update({k: v for k, v in overrides.items() if v is not None})
        unknown = sorted(set(raw) - known)
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
        values = {
            f.name: _coerce(f.name, f.type, raw[f.name]) for f in fields(cls) if f.name in raw
        }
        return cls(**values)

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict with secrets masked, for display and logs."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = "***" if f.metadata.get("secret") and value else value
        return out


def setting_specs() -> list[tuple[str, str, Any, str]]:
    """(name, type, default, help) for every setting: the source of docs and `iop-bot settings`."""
    return [(f.name, str(f.type), f.default, str(f.metadata["help"])) for f in fields(Settings)]


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(name: str, type_name: Any, value: Any) -> Any:
    type_name = str(type_name)
    try:
        if type_name == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError("expected true or false")
        if type_name == "int":
            if isinstance(value, bool):
                raise ValueError("expected a whole number")
            return int(value)
        if type_name == "float":
            return float(value)
        if type_name.startswith("tuple"):
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(str(v) for v in value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r}: {value!r} is not valid ({exc})") from exc
