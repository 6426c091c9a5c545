"""Is a token a real English word? Tells a typo ("hoirs") from a word the pack never uses ("hours").

The speller may only correct freely what is not a word at all: a real word
one letter from a pack word ("heard" and "head") is what the visitor meant.
The word list is pyspellchecker's English dictionary (160,000 words seen at
least 50 times in its corpus), read once per process, on first use.
"""

from __future__ import annotations

from functools import lru_cache

from spellchecker import SpellChecker


@lru_cache(maxsize=1)
def words() -> frozenset[str]:
    """Every word of the English list, lower case. Loading takes about a tenth of a second."""
    return frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def is_word(token: str) -> bool:
    """Whether ``token`` (lower case) is an English word."""
    return token in words()
