"""The assessment-request form: its fields, their order, and how answers are validated.

Everything here is pure data and pure functions over a ``values`` mapping (the
answers so far, as stored in the conversation state). The state machine asks
"which field is next?" and "is this text a valid answer?"; it never needs to
know the rules below. Phone numbers go through ``phonenumbers`` (default region
from the center's country) and e-mail through ``email-validator`` without a DNS
lookup, so validation stays offline and deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# The questions, in the order they are asked. "contact" fills phone and/or email.
FIELDS: tuple[str, ...] = (
    "for_whom",
    "first_name",
    "contact",
    "contact_method",
    "contact_time",
    "voicemail_ok",
    "insurance",
    "consent",
)
CONFIRM = "confirm"  # the summary, waiting for yes/no
CHANGE = "change"  # "what would you like to change?"
OPTIONAL: frozenset[str] = frozenset({"insurance"})
FREE_TEXT: frozenset[str] = frozenset({"first_name", "contact", "insurance"})

# Fields answered by picking one of a few intents (buttons or typed words), and the
# value each intent stands for.
CHOICES: dict[str, dict[str, Any]] = {
    "for_whom": {"for_self": "self", "for_loved_one": "loved_one"},
    "contact_method": {"contact_call": "call", "contact_text": "text", "contact_email": "email"},
    "contact_time": {
        "time_morning": "morning",
        "time_afternoon": "afternoon",
        "time_evening": "evening",
        "time_any": "any",
    },
    "voicemail_ok": {"affirm": True, "deny": False},
    "consent": {"affirm": True, "deny": False},
}
# What each "change ..." intent on the summary clears, so the form asks it again.
CHANGES: dict[str, tuple[str, ...]] = {
    "change_name": ("first_name",),
    "change_contact": ("phone", "email", "contact_method", "voicemail_ok"),
    "change_time": ("contact_time",),
    "change_insurance": ("insurance",),
}
# The response that asks each question, and the one that explains why it is asked.
ASK: dict[str, str] = {f: f"ask_{f}" for f in FIELDS} | {
    CONFIRM: "confirm_summary",
    CHANGE: "ask_what_to_change",
}
WHY: dict[str, str] = {f: f"why_{f}" for f in FIELDS} | {
    CONFIRM: "why_consent",
    CHANGE: "why_consent",
}
FORM_INTENTS: frozenset[str] = frozenset(
    {i for choices in CHOICES.values() for i in choices} | set(CHANGES)
)

_VALUE_KEYS = (
    "for_whom",
    "first_name",
    "phone",
    "email",
    "contact_method",
    "contact_time",
    "voicemail_ok",
    "text_ok",
    "insurance",
)


# --- which question comes next ---------------------------------------------------


def is_answered(field: str, values: Mapping[str, Any]) -> bool:
    if field == "contact":
        return bool(values.get("phone") or values.get("email"))
    if field == "insurance":
        return "insurance" in values  # None means skipped, which is an answer
    return values.get(field) is not None


def applies(field: str, values: Mapping[str, Any]) -> bool:
    """Whether a field is asked at all: voicemail and texting only matter with a phone."""
    return field != "voicemail_ok" or bool(values.get("phone"))


def allowed_choices(field: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The intents that answer ``field`` now: only contact methods the visitor gave."""
    choices = CHOICES.get(field, {})
    if field == "contact_method":
        given = {"call", "text"} if values.get("phone") else set()
        if values.get("email"):
            given.add("email")
        return {i: v for i, v in choices.items() if v in given}
    return dict(choices)


def settle(values: Mapping[str, Any]) -> dict[str, Any]:
    """Fill in what needs no question: the contact method when only one is possible."""
    out = dict(values)
    if out.get("contact_method") is None and is_answered("contact", out):
        only = set(allowed_choices("contact_method", out).values())
        if len(only) == 1:
            out["contact_method"] = only.pop()
    return out


def next_field(values: Mapping[str, Any]) -> str:
    for field in FIELDS:
        if applies(field, values) and not is_answered(field, values):
            return field
    return CONFIRM


# --- free-text answers ----------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_GREETING = re.compile(r"^(?:hi|hello|hey|ok|okay|sure|yes|yeah)\b[\s,.!]*", re.IGNORECASE)
# "My name is Sam" leaves no doubt; "I'm Sam" could as well start "I'm worried ...".
_STRONG_CUE = re.compile(
    r"^(?:my\s+(?:first\s+)?name\s+is|my\s+name's|name's|(?:first\s+)?name\s*:|"
    r"(?:you\s+can\s+)?call\s+me)\s*",
    re.IGNORECASE,
)
_WEAK_CUE = re.compile(r"^(?:i\s*'?\s*m|i\s+am|it\s*'?\s*s|it\s+is|this\s+is)\s+", re.IGNORECASE)
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[\s'-]+[^\W\d_]+)*'?$")
# Words a reply can start with that no first name does ("no thanks", "what for").
_NOT_NAMES = frozenset(
    (  # noqa: SIM905 - a word list reads best as words
        "a an the i me my we you it no not nope none nothing yes yeah ok okay sure idk "
        "dunno what why who how where when which is are do does can could would should "
        "will help please thanks thank skip cancel stop"
    ).split()
)
MAX_NAME_CHARS = 50
_MAX_WORDS = {"strong": 4, "weak": 2, None: 3}
MAX_INSURANCE_CHARS = 80
_URLISH = re.compile(r"https?:|www\.|\.(?:com|org|net)\b|[@/\\<>{}]", re.IGNORECASE)


def _clean(text: str) -> str:
    return " ".join(text.translate(_APOSTROPHES).split())


def name_cue(text: str) -> str | None:
    """ "strong" for "my name is ...", "weak" for "I'm ...", None when no introduction."""
    cleaned = _GREETING.sub("", _clean(text))
    if _STRONG_CUE.match(cleaned):
        return "strong"
    if _WEAK_CUE.match(cleaned):
        return "weak"
    return None


def parse_name(text: str) -> str | None:
    """A first name from the answer, or None when it does not look like one.

    Strips introductions ("my name is", "I'm", "it's"), allows letters of any
    script with spaces, hyphens and apostrophes, and rejects digits, links and
    sentences ("I'm worried about my son" is not a name).
    """
    cue = name_cue(text)
    cleaned = _GREETING.sub("", _clean(text))
    cleaned = (_STRONG_CUE if cue == "strong" else _WEAK_CUE).sub("", cleaned, count=1)
    cleaned = cleaned.strip(" .!,;")
    words = cleaned.split()
    if not words or len(cleaned) > MAX_NAME_CHARS or len(words) > _MAX_WORDS[cue]:
        return None
    if not _NAME_CHARS.match(cleaned) or words[0].lower() in _NOT_NAMES:
        return None
    if cleaned.islower() or cleaned.isupper():
        cleaned = cleaned.title()  # "o'brien" -> "O'Brien", "mary-jane" -> "Mary-Jane"
    return cleaned


def parse_insurance(text: str) -> str | None:
    """The insurer as typed (short plain text), or None when it is not usable."""
    cleaned = _clean(text).strip(" .!,;")
    if not cleaned or len(cleaned) > MAX_INSURANCE_CHARS or _URLISH.search(cleaned):
        return None
    return cleaned


@dataclass(frozen=True)
class Contact:
    phone: str | None  # E.164
    email: str | None  # normalized
    problem: str | None  # response name when neither was found: invalid_phone/_email/_contact


_EMAIL_TOKEN = re.compile(r"[^\s,;:<>()\[\]\"']+@[^\s,;:<>()\[\]\"']+")


def parse_contact(text: str, region: str) -> Contact:
    """Find a phone number and/or an e-mail address anywhere in the answer."""
    phone = None
    for found in phonenumbers.PhoneNumberMatcher(text, region):
        phone = phonenumbers.format_number(found.number, phonenumbers.PhoneNumberFormat.E164)
        break
    email = None
    for token in _EMAIL_TOKEN.findall(text):
        try:
            email = validate_email(token.rstrip("."), check_deliverability=False).normalized
            break
        except EmailNotValidError:
            continue
    if phone or email:
        return Contact(phone, email, None)
    if "@" in text:
        problem = "invalid_email"
    elif sum(c.isdigit() for c in text) >= 3:
        problem = "invalid_phone"
    else:
        problem = "invalid_contact"
    return Contact(None, None, problem)


def display_phone(e164: str, region: str) -> str:
    """A phone number the way a visitor would write it: national if local, else international."""
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    local = phonenumbers.region_code_for_number(number) == region.upper()
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if local
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, fmt))


# --- values in and out ----------------------------------------------------------


def text_ok(values: Mapping[str, Any]) -> bool:
    """Texting is fine when they chose text, or agreed to messages, and gave a phone."""
    if not values.get("phone"):
        return False
    return values.get("contact_method") == "text" or bool(values.get("voicemail_ok"))


def template_values(values: Mapping[str, Any], region: str) -> dict[str, Any]:
    """What templates see as ``form.*``: every key always present (None when unknown)."""
    phone = values.get("phone")
    out: dict[str, Any] = {key: values.get(key) for key in _VALUE_KEYS}
    out["phone"] = display_phone(phone, region) if phone else None
    out["phone_e164"] = phone
    out["voicemail_ok"] = bool(values.get("voicemail_ok")) if phone else None
    out["text_ok"] = text_ok(values) if phone else None
    return out


def sample_values(region: str) -> list[dict[str, Any]]:
    """Form values covering the shapes templates meet, to check every response renders."""
    full = {
        "for_whom": "loved_one",
        "first_name": "Sam",
        "phone": "+12075550199",
        "email": "sam@example.com",
        "contact_method": "text",
        "contact_time": "morning",
        "voicemail_ok": True,
        "insurance": "Anthem",
        "consent": True,
    }
    email_only = {
        "for_whom": "self",
        "first_name": "Ana",
        "email": "ana@example.com",
        "contact_method": "email",
        "contact_time": "any",
        "insurance": None,
    }
    return [template_values(v, region) for v in ({}, full, email_only)]


def submission(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an ``assessment_requested`` event."""
    phone = values.get("phone") or None
    return {
        "for_whom": values.get("for_whom"),
        "first_name": values.get("first_name"),
        "phone": phone,
        "email": values.get("email") or None,
        "contact_method": values.get("contact_method"),
        "contact_time": values.get("contact_time"),
        "voicemail_ok": bool(values.get("voicemail_ok")) if phone else False,
        "text_ok": text_ok(values),
        "insurance": values.get("insurance") or None,
        "consent": True,
    }


def sanitize(raw: Any, region: str) -> dict[str, Any]:
    """Values from a stored state, keeping only what is still well-formed.

    A state may come from an older release or a hand-edited database row; any
    value that fails its check is dropped so that question is simply asked again.
    """
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, Any] = {}
    if raw.get("for_whom") in CHOICES["for_whom"].values():
        out["for_whom"] = raw["for_whom"]
    if isinstance(raw.get("first_name"), str) and parse_name(raw["first_name"]):
        out["first_name"] = parse_name(raw["first_name"])
    if isinstance(raw.get("phone"), str):
        found = parse_contact(raw["phone"], region).phone
        if found:
            out["phone"] = found
    if isinstance(raw.get("email"), str):
        found = parse_contact(raw["email"], region).email
        if found:
            out["email"] = found
    if raw.get("contact_method") in allowed_choices("contact_method", out).values():
        out["contact_method"] = raw["contact_method"]
    if raw.get("contact_time") in CHOICES["contact_time"].values():
        out["contact_time"] = raw["contact_time"]
    if isinstance(raw.get("voicemail_ok"), bool) and out.get("phone"):
        out["voicemail_ok"] = raw["voicemail_ok"]
    if "insurance" in raw and (raw["insurance"] is None or isinstance(raw["insurance"], str)):
        out["insurance"] = parse_insurance(raw["insurance"]) if raw["insurance"] else None
    if raw.get("consent") is True:
        out["consent"] = True
    return out


_QUESTION_START = frozenset(
    (  # noqa: SIM905
        "what whats how hows why who where wheres when which is are am do does did can "
        "could would will should may tell explain"
    ).split()
)


def looks_like_question(text: str) -> bool:
    """Whether a free-text answer reads as a question rather than an answer."""
    words = _clean(text).lower().replace("'", "").split()
    return "?" in text or bool(words and words[0] in _QUESTION_START)
