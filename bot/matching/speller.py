"""Fix typos against the pack's own words, and split run-together words.

A word the pack already knows (as written, or as another form of the same
stem: "counselors" for "counselor") is left alone. Anything else is tried
as a typo of a known word, and how far the speller looks depends on whether
the token is an English word at all (``english``):

* not a word ("hoirs", "waht", "insurnce"): a typo, so any single edit from
  three letters ("hwo" -> "how", "hous" -> "hours"), two edits from seven,
  and failing that the nearest stem ("uailor" -> "tailor" of "tailored");
* a real word the pack does not use ("heard", "weight", "online"): only two
  neighbouring letters swapped, from four letters ("form" -> "from"). A real
  word one letter from a pack word ("heard" / "head") is what was meant.

Letters held down are undone first ("heyyy", "thankss"); a real word's double
letters are its own ("peer" is not "per"). Edits are counted as optimal
string alignment, so a swap is one edit. When no word is close enough, a
non-word made of two known words is split ("familytherapy"); "homework" is a
word and stays whole.

Correcting only *towards the pack's words* is what keeps this safe: a real
English word the pack never uses is left alone (and counts as unknown), and
a non-word lands on a pack word or nowhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.matching import english

MIN_SWAP_LENGTH = 4  # a real word from here may be two swapped letters ("form" / "from")
MIN_TYPO_LENGTH = 3  # a non-word from here may be any single edit ("hwo", "ths")
LONG_TYPO = 7  # a non-word from here may be two edits ("insurnce" is one, "insurrnace" two)
MIN_STEM_SEARCH = 6  # a non-word from here may be a typo of a known word's stem
MIN_PART = 3  # shortest part of a split compound
_REPEAT = re.compile(r"(\w)\1+")
_RUN_OF_THREE = re.compile(r"(\w)\1{2,}")
_FINAL_REPEAT = re.compile(r"(\w)\1+$")


STEM_CACHE_SIZE = 65536  # words; far more than a pack and its visitors use, a few MB at most


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem(word: str) -> str:
    """Snowball English stem, remembered per process.

    The pure-Python stemmer is most of the time it takes to build a matcher, and
    every build (a reload, the validator's leave-one-out pass) stems the same
    words again. A fresh stemmer each call because a stemmer object is not
    thread-safe; ``lru_cache`` itself is.
    """
    return str(snowballstemmer.stemmer("english").stemWord(word))


class Speller:
    """Immutable after construction: the known words, grouped by length for fast lookup."""

    def __init__(self, words: Iterable[str], stems: Mapping[str, str] | None = None) -> None:
        """``stems`` may hold the words' stems already computed (stemming is the slow part)."""
        counts = Counter(words)  # counted in C, then filtered once per distinct word
        for word in [w for w in counts if not w.isalpha()]:
            del counts[word]
        known_stems = stems or {}
        self._known = frozenset(counts)
        self._stems = frozenset(known_stems.get(w) or stem(w) for w in counts)
        self._rank = {w: -n for w, n in counts.items()}  # more frequent first on ties
        self._rank.update({s: 0 for s in self._stems if s not in counts})
        self._words = _by_length(counts)
        self._stem_words = _by_length(self._stems)

    def __bool__(self) -> bool:
        return bool(self._known)

    def knows(self, word: str) -> bool:
        return word in self._known or stem(word) in self._stems

    def correct(self, word: str) -> str | None:
        """The known word(s) this token stands for, or None if it is fine or hopeless."""
        if not word.isalpha() or self.knows(word):
            return None
        real = english.is_word(word)
        # "peer", "boot" and "steep" are words, not "per", "bot" and "step" held down
        stretched = None if real and not _RUN_OF_THREE.search(word) else self._unstretched(word)
        if stretched is not None or len(word) < (MIN_SWAP_LENGTH if real else MIN_TYPO_LENGTH):
            return stretched
        fixed = self._search(word, self._words, real)
        if fixed is None and not real and len(word) >= MIN_STEM_SEARCH:
            fixed = self._search(stem(word), self._stem_words, real)
        if fixed is not None or real:  # "homework" is not "home work"
            return fixed
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            if head in self._known and tail in self._known:
                return f"{head} {tail}"
        return None

    def _unstretched(self, word: str) -> str | None:
        """A word typed with held-down letters ("heyyy", "sooo", "thankss"), when it is a known one."""
        if not _REPEAT.search(word):
            return None
        for candidate in (
            _RUN_OF_THREE.sub(r"\1\1", word),  # "goood" -> "good"
            _RUN_OF_THREE.sub(r"\1", word),  # "hiii" -> "hi"
            _FINAL_REPEAT.sub(r"\1", word),  # "byee" -> "bye", "thankss" -> "thanks"
            _REPEAT.sub(r"\1", word),  # "hii" -> "hi"
        ):
            if candidate != word and candidate in self._known:
                return candidate
        return None

    def _search(self, word: str, table: dict[int, tuple[str, ...]], real: bool) -> str | None:
        """The nearest word of ``table`` within reach: a swap for a real word, edits for a typo."""
        limit = 2 if not real and len(word) >= LONG_TYPO else 1
        best: tuple[int, bool, int, str] | None = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            if real and length != len(word):
                continue
            choices = table.get(length)
            if not choices:
                continue
            for candidate, distance, _ in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=limit, limit=None
            ):
                if real and sorted(candidate) != sorted(word):
                    continue
                # a swap of two letters is the likeliest slip: "alter" is "later", not "after"
                key = (
                    int(distance),
                    sorted(candidate) != sorted(word),
                    self._rank[candidate],
                    str(candidate),
                )
                if best is None or key < best:
                    best = key
        return best[3] if best else None


def _by_length(words: Iterable[str]) -> dict[int, tuple[str, ...]]:
    table: dict[int, list[str]] = {}
    for w in sorted(words):
        table.setdefault(len(w), []).append(w)
    return {n: tuple(ws) for n, ws in table.items()}
