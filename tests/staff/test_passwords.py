"""The password policy, generated passwords and the timing-equalizing dummy hash."""

from __future__ import annotations

import pytest

from bot.staff.passwords import (
    MIN_LENGTH,
    PasswordPolicyError,
    check_password,
    dummy_hash,
    generate_password,
    make_hasher,
    verify_password,
)


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "x" * (MIN_LENGTH - 1),
        "a" * 300,
        "aaaaaaaaaaaaaaaa",
        "abababababababab",
        "abcdefghijklmnop",
        "0123456789012",
        "qwertyuiopasdf",
        "password1234",
        "P@ssw0rd!2024",
        "Welcome2024!!",
        "letmein!!!!!!!!",
        "12345Recovery!",
        "ada.lovelace-42x",  # contains the email's name
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(PasswordPolicyError):
        check_password(password, email="ada.lovelace@example.org")


@pytest.mark.parametrize(
    "password",
    [
        "violet-harbor-lantern-42",
        "correct horse battery staple",
        "Tq9#mL2v!xR7pZ",
        "é" * 3 + "ñü-ß-çø12",
    ],
)
def test_reasonable_passwords_pass(password: str) -> None:
    check_password(password, email="ada.lovelace@example.org")


def test_generated_passwords_are_strong_and_different() -> None:
    seen = {generate_password() for _ in range(50)}
    assert len(seen) == 50
    for password in seen:
        check_password(password)
        assert len(password) >= 20


def test_dummy_hash_matches_nothing_and_needs_no_rehash() -> None:
    hasher = make_hasher()
    dummy = dummy_hash(hasher)
    assert dummy.startswith("$argon2id$")
    assert dummy != dummy_hash(hasher)
    assert not verify_password(hasher, dummy, "")
    assert not verify_password(hasher, dummy, "violet-harbor-lantern-42")
    assert not hasher.check_needs_rehash(dummy)  # same cost as real hashes


def test_malformed_hashes_never_verify() -> None:
    hasher = make_hasher()
    assert not verify_password(hasher, "not-a-hash", "anything")
    assert not verify_password(hasher, "", "anything")
