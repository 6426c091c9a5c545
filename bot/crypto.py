"""Encryption of personal data at rest: AES-256-GCM-SIV field tokens, old Fernet tokens readable.

Interface used by storage: ``cipher.encrypt(text) -> token`` and
``cipher.decrypt(token) -> text``; ``None`` passes through unchanged.

Operators still configure Fernet keys (``iop-bot keys generate``); the first
key encrypts and every key decrypts, so rotation works as with MultiFernet.
New values are written as version-2 tokens, because a chat turn encrypts its
state, the visitor's message and every reply, and Fernet (AES-CBC, HMAC-SHA256
and a fresh cipher object per call) cost about a tenth of the server's CPU::

    v2:<urlsafe base64 of  key id (4) | nonce (12) | ciphertext | tag (16)>

The AES key and the key id are derived from the Fernet key with HKDF-SHA256.
GCM-SIV keeps random 96-bit nonces safe far past plain GCM's 2**32 messages per
key (a repeated nonce reveals only that two plaintexts are equal). The prefix
and key id are authenticated as associated data. Fernet tokens (they begin with
``gAAAAA``) are still decrypted, and ``iop-bot keys rotate`` rewrites them.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.settings import Settings

log = logging.getLogger(__name__)

DEV_KEY_FILE = "dev-encryption.key"
V2_PREFIX = "v2:"
_PREFIX = V2_PREFIX.encode("ascii")
_KEY_ID_BYTES = 4
_NONCE_BYTES = 12
_TAG_BYTES = 16
_HEADER_BYTES = _KEY_ID_BYTES + _NONCE_BYTES
UNREADABLE = "[unreadable: encryption key missing]"


class EncryptionKeyError(RuntimeError):
    """No usable encryption key; the message says how to make one."""


MISSING_KEY_MESSAGE = (
    "No encryption key is set. Personal data is encrypted at rest, so the server will not "
    "start without one.\n"
    "  Generate a key:   iop-bot keys generate\n"
    "  Then set it:      export IOP_BOT_ENCRYPTION_KEYS=<the key>\n"
    "For a local trial only, start with --dev (development mode) instead."
)


NO_GCM_SIV_MESSAGE = (
    "This build of the 'cryptography' package cannot do AES-GCM-SIV (it needs OpenSSL 3.2 or "
    "later). Install the package's own wheel: pip install --upgrade --force-reinstall "
    "--only-binary cryptography cryptography"
)


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _derive(key: bytes, purpose: bytes, length: int) -> bytes:
    info = b"iop-bot field token v2: " + purpose
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(key)


class _FieldKey:
    """One configured key, as the AES-GCM-SIV cipher and id it stands for in v2 tokens."""

    def __init__(self, fernet_key: bytes) -> None:
        raw = base64.urlsafe_b64decode(fernet_key)  # 32 bytes: checked by Fernet() first
        self.key_id = _derive(raw, b"key id", _KEY_ID_BYTES)
        self.aead = AESGCMSIV(_derive(raw, b"AES-256-GCM-SIV key", 32))
        self.associated = _PREFIX + self.key_id


class FieldCipher:
    """Encrypts with the first key; decrypts with any, so old keys keep working after rotation."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise EncryptionKeyError(MISSING_KEY_MESSAGE)
        try:
            encoded = [k.encode("ascii") for k in keys]
            self._fernet = MultiFernet([Fernet(k) for k in encoded])
        except (ValueError, TypeError) as exc:
            raise EncryptionKeyError(
                f"An encryption key is malformed ({exc}). Generate one with: iop-bot keys generate"
            ) from exc
        try:
            field_keys = [_FieldKey(k) for k in encoded]
        except UnsupportedAlgorithm as exc:
            raise EncryptionKeyError(NO_GCM_SIV_MESSAGE) from exc
        self._current = field_keys[0]
        # A list per id: two different keys sharing 32 bits of id are merely both tried.
        self._by_id: dict[bytes, list[_FieldKey]] = {}
        for key in field_keys:
            self._by_id.setdefault(key.key_id, []).append(key)

    def encrypt(self, text: str | None) -> str | None:
        if text is None:
            return None
        key = self._current
        nonce = os.urandom(_NONCE_BYTES)
        sealed = key.aead.encrypt(nonce, text.encode("utf-8"), key.associated)
        body = base64.urlsafe_b64encode(key.key_id + nonce + sealed)
        return V2_PREFIX + body.decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        """The plaintext; a value no configured key opens reads as a placeholder (logged)."""
        if token is None:
            return None
        try:
            return self.decrypt_strict(token)
        except InvalidToken:
            log.error("a stored value could not be decrypted with any configured key")
            return UNREADABLE

    def decrypt_strict(self, token: str) -> str:
        """The plaintext, or ``cryptography.fernet.InvalidToken`` when no key opens it."""
        try:
            if not token.startswith(V2_PREFIX):
                return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
            raw = base64.urlsafe_b64decode(token[len(V2_PREFIX) :])
        except (binascii.Error, ValueError):  # not base64, not ASCII, not UTF-8
            raise InvalidToken from None
        if len(raw) < _HEADER_BYTES + _TAG_BYTES:
            raise InvalidToken
        key_id, nonce = raw[:_KEY_ID_BYTES], raw[_KEY_ID_BYTES:_HEADER_BYTES]
        sealed = raw[_HEADER_BYTES:]
        for key in self._by_id.get(key_id, ()):
            try:
                plain = key.aead.decrypt(nonce, sealed, key.associated)
            except InvalidTag:
                continue
            return plain.decode("utf-8")
        raise InvalidToken

    def rotate(self, token: str) -> str:
        """Re-encrypt a token (v2 or Fernet) with the current first key, as a v2 token.

        Raises ``cryptography.fernet.InvalidToken`` when no configured key opens it.
        """
        encrypted = self.encrypt(self.decrypt_strict(token))
        assert encrypted is not None
        return encrypted


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
