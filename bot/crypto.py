"""Encryption of personal data at rest (Fernet, with key rotation through MultiFernet).

Interface used by storage: ``cipher.encrypt(text) -> token`` and
``cipher.decrypt(token) -> text``; ``None`` passes through unchanged.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.settings import Settings

log = logging.getLogger(__name__)

DEV_KEY_FILE = "dev-encryption.key"


class EncryptionKeyError(RuntimeError):
    """No usable encryption key; the message says how to make one."""


MISSING_KEY_MESSAGE = (
    "No encryption key is set. Personal data is encrypted at rest, so the server will not "
    "start without one.\n"
    "  Generate a key:   iop-bot keys generate\n"
    "  Then set it:      export IOP_BOT_ENCRYPTION_KEYS=<the key>\n"
    "For a local trial only, start with --dev (development mode) instead."
)


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


class FieldCipher:
    """Encrypts with the first key; decrypts with any, so old keys keep working after rotation."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise EncryptionKeyError(MISSING_KEY_MESSAGE)
        try:
            self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys])
        except (ValueError, TypeError) as exc:
            raise EncryptionKeyError(
                f"An encryption key is malformed ({exc}). Generate one with: iop-bot keys generate"
            ) from exc

    def encrypt(self, text: str | None) -> str | None:
        if text is None:
            return None
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            log.error("a stored value could not be decrypted with any configured key")
            return "[unreadable: encryption key missing]"

    def rotate(self, token: str) -> str:
        """Re-encrypt a token with the current first key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def cipher_from_settings(settings: Settings, data_dir: Path | None = None) -> FieldCipher:
    """The cipher for these settings; in dev mode a local key file is made once if none is set."""
    keys = list(settings.encryption_keys)
    if not keys and settings.dev_mode:
        path = (data_dir or Path("data")) / DEV_KEY_FILE
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(generate_key() + "\n", encoding="ascii")
            path.chmod(0o600)
            log.warning("development mode: generated a local encryption key in %s", path)
        keys = [path.read_text(encoding="ascii").strip()]
    return FieldCipher(keys)
