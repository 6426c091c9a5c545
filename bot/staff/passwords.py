"""Staff password rules, generation and hashing (argon2id).

Kept free of I/O so the same rules apply to the CLI, the setup link and the admin pages.
"""

from __future__ import annotations

import base64
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION

MIN_LENGTH = 12
MAX_LENGTH = 256  # long enough for any passphrase; bounds the hashing work per login

# Words that make up most leaked passwords; a password that is one of these with digits and
# symbols around it is rejected however long it is.
_COMMON_TEXT = """
password passw0rd passwort motdepasse contrasena secret letmein welcome welcome1 admin
administrator root login qwerty qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm iloveyou
monkey dragon master sunshine princess football baseball shadow superman trustno1 abc
abcdef abcdefg abcdefgh changeme default staff clinic admissions intake recovery
treatment health hospital nurse doctor summer winter spring autumn fall
"""
_COMMON_WORDS = frozenset(_COMMON_TEXT.split())
_SEQUENCES = (
    string.ascii_lowercase,
    string.digits,
    "0123456789" * 2,
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_GENERATED_ALPHABET = string.ascii_letters + string.digits
GENERATED_LENGTH = 20  # ~119 bits from 62 symbols


class PasswordPolicyError(ValueError):
    """A password that must not be used; the message says why in plain words."""


def check_password(password: str, *, email: str = "") -> None:
    """Raise PasswordPolicyError for a too short, too long or obvious password."""
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"The password must have at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"The password must have at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if len(set(lowered)) < 5:
        raise PasswordPolicyError("The password repeats too few different characters.")
    if any(lowered in seq or lowered in seq[::-1] for seq in _SEQUENCES):
        raise PasswordPolicyError("The password is a keyboard or alphabet sequence.")
    core = lowered.strip(string.digits + string.punctuation + " ")
    if core in _COMMON_WORDS or _leet(core) in _COMMON_WORDS:
        raise PasswordPolicyError("The password is a common word; choose something less obvious.")
    local = email.partition("@")[0].lower()
    if len(local) >= 4 and local in lowered:
        raise PasswordPolicyError("The password must not contain the account's email name.")


def _leet(text: str) -> str:
    return text.translate(str.maketrans("013457@$", "oleastas"))


def generate_password() -> str:
    """A strong random password that passes check_password."""
    while True:
        candidate = "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(GENERATED_LENGTH))
        try:
            check_password(candidate)
        except PasswordPolicyError:  # pragma: no cover - astronomically unlikely
            continue
        return candidate


def make_hasher() -> PasswordHasher:
    """argon2id with the library's current recommended parameters (RFC 9106 low-memory)."""
    return PasswordHasher()


def dummy_hash(hasher: PasswordHasher) -> str:
    """A random hash with the hasher's parameters that no password matches.

    Verifying against it costs exactly as much as a real check (the cost is set by the
    parameters in the string), so unknown accounts and lockouts take the same time as wrong
    passwords, without spending a real hashing run at every start.
    """
    params = f"m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
    salt = _b64(secrets.token_bytes(hasher.salt_len))
    digest = _b64(secrets.token_bytes(hasher.hash_len))
    return f"$argon2id$v={ARGON2_VERSION}${params}${salt}${digest}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def verify_password(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    """True when the password matches; any malformed hash counts as a mismatch."""
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
