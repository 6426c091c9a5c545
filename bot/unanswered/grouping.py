"""Group unanswered questions that ask the same thing, and turn a group into YAML examples.

Each question is reduced to a key: the matcher's normalization (case, contractions,
misspellings, the pack's synonyms), without function words ("is", "there", "do", "you"),
sorted. "Is there parking?" and "do you have parking" both become "parking". Keys are then
clustered greedily: each key joins the first earlier group whose leader is at least
``SIMILARITY`` similar (rapidfuzz Indel ratio on the sorted words), or leads a new group.
Oldest first, so a group keeps its leader (and its id) as new questions arrive.

The cost is bounded by the caller, who passes at most ``MAX_ITEMS`` questions: grouping
2,000 all-different questions takes about 0.2 s, far less when they repeat.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rapidfuzz import fuzz, process
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.content.models import ContentPack
from bot.matching import lexicon
from bot.matching.normalize import Normalizer

SIMILARITY = 65  # 0-100: how close two questions' keys must be to share a group
MAX_ITEMS = 2000  # the newest open questions considered on one page view
MAX_EXAMPLES = 50  # lines in one YAML snippet
SUGGEST_MIN_CONFIDENCE = 0.25  # below this, the best-ranked intent is not "close"
EXAMPLE_INDENT = " " * 6  # as in the pack's intent files: "      - example"


@dataclass(frozen=True)
class Question:
    """One unanswered question, its text already masked and decrypted."""

    id: int
    text: str
    reason: str  # "out_of_scope" or "ambiguous"
    top_intent: str | None
    confidence: float | None
    created_at: datetime


@dataclass(frozen=True)
class Group:
    """Questions that ask the same thing, oldest first; the first one leads and names it."""

    questions: tuple[Question, ...]

    @property
    def id(self) -> int:
        return self.questions[0].id

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def first_at(self) -> datetime:
        return min(q.created_at for q in self.questions)

    @property
    def last_at(self) -> datetime:
        return max(q.created_at for q in self.questions)

    @property
    def text(self) -> str:
        """The most common wording (the first asked of equally common ones), to name the group."""
        counts = Counter(_tidy(q.text).casefold() for q in self.questions)
        best = max(self.questions, key=lambda q: counts[_tidy(q.text).casefold()])
        return _tidy(best.text)

    @property
    def ambiguous(self) -> int:
        return sum(q.reason == "ambiguous" for q in self.questions)


@dataclass(frozen=True)
class Suggestion:
    """The intent the matcher ranked first most often for a group's questions."""

    intent: str
    title: str
    file: str
    line: int
    votes: int
    of: int


def grouping_normalizer(pack: ContentPack) -> Normalizer:
    """The matcher's normalization with the pack's synonyms, without the (slower) speller."""
    return Normalizer(pack.synonyms)


def key_of(normalizer: Normalizer, text: str) -> str:
    """The words that carry a question's meaning, sorted, so word order does not matter."""
    words = normalizer(text).split()
    content = [w for w in words if w not in lexicon.FUNCTION_WORDS]
    return " ".join(sorted(content or words))


def cluster(
    questions: Sequence[Question], normalizer: Normalizer, *, similarity: int = SIMILARITY
) -> list[Group]:
    """Groups of similar questions, most frequent first (then most recent first)."""
    ordered = sorted(questions, key=lambda q: (q.created_at, q.id))
    by_key: dict[str, list[Question]] = {}
    for question in ordered:
        by_key.setdefault(key_of(normalizer, question.text), []).append(question)
    leaders: list[str] = []
    members: list[list[Question]] = []
    for key, same in by_key.items():  # in order of first appearance
        found = process.extractOne(key, leaders, scorer=fuzz.ratio, score_cutoff=similarity)
        if found is None:
            leaders.append(key)
            members.append(list(same))
        else:
            members[found[2]].extend(same)
    groups = [Group(tuple(sorted(items, key=lambda q: (q.created_at, q.id)))) for items in members]
    groups.sort(key=lambda g: (-g.count, -g.last_at.timestamp(), g.id))
    return groups


def suggest(
    group: Group, pack: ContentPack, *, min_confidence: float = SUGGEST_MIN_CONFIDENCE
) -> Suggestion | None:
    """The existing intent ranked first most often (ties: higher mean confidence), if any.

    Only rankings with some confidence count: an intent ranked first at 0.05 is noise.
    """
    votes: Counter[str] = Counter()
    confidence: dict[str, float] = {}
    for q in group.questions:
        if (
            q.top_intent
            and q.top_intent in pack.intents
            and (q.confidence or 0.0) >= min_confidence
        ):
            votes[q.top_intent] += 1
            confidence[q.top_intent] = confidence.get(q.top_intent, 0.0) + (q.confidence or 0.0)
    if not votes:
        return None
    name = max(votes, key=lambda n: (votes[n], confidence[n] / votes[n]))
    intent = pack.intents[name]
    file = Path(intent.file)
    if file.is_absolute() and file.is_relative_to(pack.root):
        file = file.relative_to(pack.root)  # as editors know it: intents/program.yml
    return Suggestion(name, intent.title, str(file), intent.line, votes[name], group.count)


def _tidy(text: str) -> str:
    return " ".join(text.split())


def examples_of(group: Group, limit: int = MAX_EXAMPLES) -> list[str]:
    """The group's wordings, de-duplicated (case and spacing aside), oldest first."""
    seen: set[str] = set()
    out: list[str] = []
    for q in group.questions:
        text = _tidy(q.text)
        folded = text.casefold()
        if text and folded not in seen:
            seen.add(folded)
            out.append(text)
            if len(out) == limit:
                break
    return out


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML list item's value: plain when it reads back unchanged, else quoted."""
    try:
        if YAML(typ="safe").load(f"- {text}") == [text]:
            return text
    except YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def snippet(examples: Iterable[str], suggestion: Suggestion | None) -> str:
    """Lines to paste under an intent's ``examples:`` (indented as in the pack's files)."""
    if suggestion is not None:
        where = suggestion.file + (f" (line {suggestion.line})" if suggestion.line else "")
        header = [
            f"# Closest intent: {suggestion.intent}, in {where}.",
            f"# Ranked first for {suggestion.votes} of these {suggestion.of} questions. Check each",
            "# line fits it, then paste under that intent's examples:",
        ]
    else:
        header = [
            "# No existing intent came close: these may need a new intent (name, title,",
            "# examples and a response). Paste under its examples:",
        ]
    lines = [EXAMPLE_INDENT + h for h in header]
    lines += [f"{EXAMPLE_INDENT}- {yaml_scalar(text)}" for text in examples]
    return "\n".join(lines) + "\n"
