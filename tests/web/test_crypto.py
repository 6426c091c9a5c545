"""Field encryption: v2 (AES-256-GCM-SIV) tokens, key rotation, and old Fernet tokens."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.fernet import Fernet, InvalidToken

from bot import crypto
from bot.crypto import UNREADABLE, V2_PREFIX, EncryptionKeyError, FieldCipher, generate_key

TEXT = "Quentin, 207-555-0199 — «café»"


def test_round_trip_writes_v2_tokens_with_a_fresh_nonce() -> None:
    cipher = FieldCipher([generate_key()])
    first, second = cipher.encrypt(TEXT), cipher.encrypt(TEXT)
    assert first is not None and second is not None
    assert first.startswith(V2_PREFIX) and first != second  # same text, different tokens
    assert "Quentin" not in first
    assert cipher.decrypt(first) == cipher.decrypt(second) == TEXT
    assert cipher.encrypt(None) is None and cipher.decrypt(None) is None
    assert cipher.decrypt(cipher.encrypt("")) == ""


def test_fernet_tokens_written_before_stay_readable() -> None:
    key = generate_key()
    old = Fernet(key.encode()).encrypt(TEXT.encode()).decode()
    assert FieldCipher([key]).decrypt(old) == TEXT
    assert FieldCipher([generate_key(), key]).decrypt(old) == TEXT


def test_every_configured_key_decrypts_and_the_first_encrypts() -> None:
    old_key, new_key = generate_key(), generate_key()
    written_before = FieldCipher([old_key]).encrypt(TEXT)
    assert written_before is not None
    both = FieldCipher([new_key, old_key])
    assert both.decrypt(written_before) == TEXT
    written_now = both.encrypt(TEXT)
    assert written_now is not None
    assert FieldCipher([new_key]).decrypt(written_now) == TEXT
    assert FieldCipher([old_key]).decrypt(written_now) == UNREADABLE


@pytest.mark.parametrize("legacy", [False, True], ids=["v2", "fernet"])
def test_rotate_rewrites_any_token_with_the_first_key(legacy: bool) -> None:
    old_key, new_key = generate_key(), generate_key()
    if legacy:
        token = Fernet(old_key.encode()).encrypt(TEXT.encode()).decode()
    else:
        token = FieldCipher([old_key]).encrypt(TEXT) or ""
    rotated = FieldCipher([new_key, old_key]).rotate(token)
    assert rotated.startswith(V2_PREFIX)
    assert FieldCipher([new_key]).decrypt(rotated) == TEXT
    with pytest.raises(InvalidToken):  # what `iop-bot keys rotate` reports as a missing key
        FieldCipher([new_key]).rotate(token)


def _tampered(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token[len(V2_PREFIX) :]))
    raw[-1] ^= 1  # one bit of the tag
    return V2_PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()


def test_tampered_or_malformed_tokens_are_refused(caplog: pytest.LogCaptureFixture) -> None:
    cipher = FieldCipher([generate_key()])
    token = cipher.encrypt(TEXT) or ""
    for bad in (_tampered(token), V2_PREFIX, V2_PREFIX + "!!!", V2_PREFIX + "é", "gAAAA", "x"):
        with pytest.raises(InvalidToken):
            cipher.decrypt_strict(bad)
        assert cipher.decrypt(bad) == UNREADABLE
    assert "could not be decrypted" in caplog.text
    assert TEXT not in caplog.text


def test_the_key_id_and_prefix_are_authenticated() -> None:
    key = generate_key()
    cipher = FieldCipher([key])
    raw = bytearray(base64.urlsafe_b64decode((cipher.encrypt(TEXT) or "")[len(V2_PREFIX) :]))
    raw[0] ^= 1  # another key id: no configured key has it
    with pytest.raises(InvalidToken):
        cipher.decrypt_strict(V2_PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode())


def test_malformed_or_missing_keys_fail_with_instructions() -> None:
    with pytest.raises(EncryptionKeyError, match="No encryption key"):
        FieldCipher([])
    with pytest.raises(EncryptionKeyError, match="iop-bot keys generate"):
        FieldCipher(["not-a-key"])


def test_a_cryptography_build_without_gcm_siv_stops_the_start_plainly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stands in for a cryptography package linked to an OpenSSL older than 3.2 (not installable
    here): the server must refuse to start with a fix, not fail on the first message."""

    def unsupported(_key: bytes) -> None:
        raise UnsupportedAlgorithm("AES-GCM-SIV is not supported by this version of OpenSSL")

    monkeypatch.setattr(crypto, "AESGCMSIV", unsupported)
    with pytest.raises(EncryptionKeyError, match=r"OpenSSL 3\.2"):
        FieldCipher([generate_key()])
