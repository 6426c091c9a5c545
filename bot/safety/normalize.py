"""Turn a visitor's message into the plain form the crisis patterns are written against.

People in distress type fast, on phones, in capitals, with typos, slang and sometimes
deliberate disguise ("k1ll mys3lf", "s u i c i d e"). Every such variation is removed
here, once, so the patterns stay short and readable:

* Unicode: compatibility forms, accents, look-alike Cyrillic and Greek letters,
  invisible characters and curly apostrophes are folded to plain ASCII-like text.
* Case; e-mail addresses and links are dropped (an address typed into the form is not a
  message, and "od.smith@..." is not an overdose).
* Leetspeak inside words, the "OD'd" family, contractions and texting shorthand.
* Repeated letters are *squeezed* to one ("kiiill" and "kill" both become "kil");
  patterns are squeezed the same way when they are compiled, see ``squeeze``.
* Word-level typos of the few words that carry the meaning ("sucidal", "myslef"),
  by an explicit map and a tight rapidfuzz edit-distance check.

``variants`` returns the normal form and, when the message spells words out letter
by letter, a second form with those letters joined.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from rapidfuzz import process
from rapidfuzz.distance import OSA

_SQUEEZE_RE = re.compile(r"([a-z])\1+")


def squeeze(text: str) -> str:
    """Collapse each run of one repeated letter to a single letter ("pills" -> "pils")."""
    return _SQUEEZE_RE.sub(r"\1", text)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(squeeze(w) for w in text.split())


def _squeezed_map(pairs: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({squeeze(k): squeeze(v) for k, v in pairs.items()})


# --- characters ----------------------------------------------------------------

# Latin look-alikes from Cyrillic and Greek, the ones used to dodge filters.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕкмтнвԁɡαεικνορτυχ‘’‛′`´“”",
    "aeopcyxijskmthbdgaeikvoptux" + "'" * 6 + '"' * 2,
)
_EMAIL_OR_URL_RE = re.compile(r"\S+@\S+\.\S+|(?:https?://|www\.)\S+")
# Symbols standing for a letter between two letters: "k!ll", "s*icide", "su|cide".
_SYMBOL_IN_WORD_RE = re.compile(r"(?<=[a-z])(?:[!|+]|\*+)(?=[a-z])")
_DOLLAR_AT_RE = re.compile(r"(?<![a-z0-9])[$@](?=[a-z])|(?<=[a-z])[$@](?=[a-z])")
# A token mixing letters and digits, except numbers with a unit ("5kms", "2nd", "10am").
_MIXED_TOKEN_RE = re.compile(r"\b(?=[a-z0-9]*[a-z])(?=[a-z0-9]*\d)(?!\d+[a-z]{1,4}\b)[a-z0-9]+\b")
_DIGIT_RE = re.compile(r"\d")
_LEET = str.maketrans("1304@5$7", "ieoaasst")
# "OD", "O.D.", "od'd", "ODed", "od'ing": the abbreviation of overdose. "odd" is not.
_OD_RE = re.compile(r"\bo\.?d\.?(?:'d|'?ed|'?ing|'in|'?s)?(?![\w'])")
_OD_FORMS = MappingProxyType(
    {"": "overdose", "s": "overdoses", "d": "overdosed", "ed": "overdosed"}
)
_CONTRACTION_RE = re.compile(r"\b(\w+)'(t|m|re|ve|ll|d|s)\b")
_IS_PRONOUNS = frozenset(
    {"he", "she", "it", "that", "what", "there", "who", "everything", "nothing", "nobody"}
    | {"someone", "somebody", "life"}
)
_NON_WORD_RE = re.compile(r"[^a-z0-9]+")


def _symbol(match: re.Match[str]) -> str:
    """A symbol inside a word: "!" and "|" stand for i, "+" for t; "*" hides letters."""
    symbol = match.group(0)
    return "" if symbol.startswith("*") else {"+": "t"}.get(symbol, "i")


def _od(match: re.Match[str]) -> str:
    suffix = match.group(0).replace(".", "").replace("'", "")[2:]
    return _OD_FORMS.get(suffix, "overdosing")


def _contraction(match: re.Match[str]) -> str:
    word, tail = match.group(1), match.group(2)
    if tail == "t":
        stem = {"won": "will", "can": "can", "ain": "is", "shan": "shall"}.get(word)
        return f"{stem or word[:-1]} not"
    if tail == "s":
        return f"{word} is" if word in _IS_PRONOUNS else f"{word} s"
    full = {"m": "am", "re": "are", "ve": "have", "ll": "will", "d": "would"}[tail]
    return f"{word} {full}"


def _leet(match: re.Match[str]) -> str:
    return match.group(0).replace("11", "ll").translate(_LEET)


def _characters(text: str) -> str:
    """Unicode, case, leetspeak, OD and contractions; the result is lowercase ASCII words."""
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text)
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
        text = unicodedata.normalize("NFKD", text.casefold().translate(_CONFUSABLES))
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _EMAIL_OR_URL_RE.sub(" ", text)
    text = _SYMBOL_IN_WORD_RE.sub(_symbol, text)
    text = _DOLLAR_AT_RE.sub(lambda m: "s" if m.group(0) == "$" else "a", text)
    if _DIGIT_RE.search(text):
        text = _MIXED_TOKEN_RE.sub(_leet, text)
    text = _OD_RE.sub(_od, text)
    text = _CONTRACTION_RE.sub(_contraction, text)
    return _NON_WORD_RE.sub(" ", text).strip()


# --- words ----------------------------------------------------------------------

# Shorthand and apostrophe-less contractions, in natural spelling (squeezed when built).
_WORDS = _squeezed_map(
    {
        "im": "i am",
        "ive": "i have",
        "dont": "do not",
        "doesnt": "does not",
        "didnt": "did not",
        "cant": "can not",
        "cannot": "can not",
        "wont": "will not",
        "isnt": "is not",
        "wasnt": "was not",
        "arent": "are not",
        "werent": "were not",
        "havent": "have not",
        "hasnt": "has not",
        "wouldnt": "would not",
        "couldnt": "could not",
        "shouldnt": "should not",
        "aint": "is not",
        "hes": "he is",
        "shes": "she is",
        "theyre": "they are",
        "youre": "you are",
        "thats": "that is",
        "whats": "what is",
        "u": "you",
        "ur": "your",
        "r": "are",
        "ppl": "people",
        "pls": "please",
        "plz": "please",
        "rn": "right now",
        "wanna": "want to",
        "gonna": "going to",
        "finna": "going to",
        "gotta": "got to",
        "tryna": "trying to",
        "hafta": "have to",
        "kinda": "kind of",
        "cuz": "because",
        "coz": "because",
        "bc": "because",
        "meself": "myself",
        "mysef": "myself",
        "slef": "self",
        "kll": "kill",
        "klil": "kill",
        "suicidle": "suicidal",
        "sucidle": "suicidal",
        "suicidial": "suicidal",
        "narcon": "narcan",
        "withdrawl": "withdrawal",
        "withdrawls": "withdrawals",
        "breath": "breathe",
    }
)
# "-in" for "-ing" on the verbs the patterns use ("killin myself", "overdosin").
_G_DROPPED = _word_set(
    "killing hurting cutting harming burning thinking planning overdosing seizing "
    "breathing hallucinating shaking dying going trying starving hanging ending "
    "withdrawing detoxing throwing vomiting bleeding choking responding waking "
    "wanting drinking using"
)
# The words that carry the meaning, with the largest edit distance (OSA, a swap costs 1)
# at which a typo is still read as that word. Checked against an English word list so
# that no real word is bent into one of these (see the exceptions below).
_LEXICON: Mapping[str, int] = MappingProxyType(
    {
        squeeze(w): d
        for w, d in (
            ("suicide", 2),
            ("suicidal", 2),
            ("suicides", 1),
            ("myself", 1),
            ("himself", 1),
            ("herself", 1),
            ("themselves", 1),
            ("overdose", 1),
            ("overdosed", 1),
            ("overdosing", 1),
            ("unalive", 1),
            ("naloxone", 2),
            ("seizure", 1),
            ("seizures", 1),
            ("unresponsive", 2),
            ("breathing", 1),
            ("withdrawal", 1),
            ("hallucinating", 2),
            ("delirium", 1),
            ("tremens", 1),
            ("narcan", 1),
        )
    }
)
# Most tolerant words first: on a tie rapidfuzz keeps the first, whose limit then admits it.
_FUZZY_WORDS = tuple(sorted(_LEXICON, key=lambda w: -_LEXICON[w]))
_FUZZY_MAX = max(_LEXICON.values())
# Real English words within reach of a lexicon word, never rewritten. Found by running
# every word of an English dictionary (Debian's wamerican) through the lexicon.
_REAL_WORDS = _word_set(
    "subside sulfide overdoes overdone overdoing responsive breaching wreathing "
    "hallucination hallucinations"
)
# Phrases typed without spaces ("iwanttodie", "killmyself"), found inside one long token:
# (as typed, what it means).
_RUN_TOGETHER = tuple(
    (squeeze(typed), squeeze(meant))
    for typed, meant in (
        ("killmyself", "kill myself"),
        ("wanttodie", "want to die"),
        ("wannadie", "want to die"),
        ("endmylife", "end my life"),
        ("enditall", "end it all"),
        ("betteroffdead", "better off dead"),
        ("hurtmyself", "hurt myself"),
        ("cutmyself", "cut myself"),
        ("hangmyself", "hang myself"),
        ("notbreathing", "not breathing"),
        ("wontwakeup", "will not wake up"),
        ("cantbreathe", "can not breathe"),
        ("tooktoomany", "took too many"),
    )
)
_RUN_TOGETHER_MIN_LEN = 8
_MIN_FUZZY_LEN = 5
_SINGLE_LETTERS_RE = re.compile(r"\b(?:[a-z] ){2,}[a-z]\b")


def _canonical(token: str) -> str:
    """The lexicon word a typo stands for, or the token itself."""
    mapped = _WORDS.get(token)
    if mapped is not None:
        return mapped
    if token.endswith("in") and token + "g" in _G_DROPPED:
        return token + "g"
    if len(token) < _MIN_FUZZY_LEN or token in _LEXICON or token in _REAL_WORDS:
        return token
    if len(token) >= _RUN_TOGETHER_MIN_LEN:
        for compact, spaced in _RUN_TOGETHER:
            if compact in token:
                return token.replace(compact, f" {spaced} ").strip()
    found = process.extractOne(token, _FUZZY_WORDS, scorer=OSA.distance, score_cutoff=_FUZZY_MAX)
    if found is not None and found[1] <= _LEXICON[found[0]]:
        return str(found[0])
    return token


def _joined(tokens: list[str]) -> list[str]:
    """Join a word split in two ("my self", "sui cide", "over dose")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = tokens[i] + tokens[i + 1] if i + 1 < len(tokens) else ""
        if pair in _LEXICON:
            out.append(pair)
            i += 2
        else:
            out.append(tokens[i])
            i += 1
    return out


def _words(text: str) -> str:
    tokens = _joined(squeeze(text).split())
    return " ".join(_canonical(t) for t in tokens)


def _spelled_out(text: str) -> str | None:
    """Join letters typed one by one ("k i l l" -> "kill"), keeping a leading "i" apart."""

    def join(match: re.Match[str]) -> str:
        letters = match.group(0).replace(" ", "")
        if letters[0] in "ia" and len(letters) > 3:
            return f"{letters[0]} {letters[1:]}"
        return letters

    joined = _SINGLE_LETTERS_RE.sub(join, text)
    return joined if joined != text else None


def variants(text: str) -> tuple[str, ...]:
    """The normal form of ``text``, plus a letters-joined form when the text spells out."""
    plain = _characters(text)
    spelled = _spelled_out(plain)
    if spelled is None:
        return (_words(plain),)
    return (_words(plain), _words(spelled))
