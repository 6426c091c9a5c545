"""Benchmark and evaluate the intent matcher.

    python bench/bench_matcher.py            # speed on the demo pack and a 5,000-example pack,
                                             # then the figures on the development set
                                             # (tests/content/heldout_dev.yml), the same set
                                             # with a typo in every answerable message, and a
                                             # 5-fold cross-validation over the pack's examples
    python bench/bench_matcher.py --sweep    # also the threshold sweep on all of those
    python bench/bench_matcher.py --verbose  # also list every miss and false accept
    python bench/bench_matcher.py --test     # also the figures on the test set
                                             # (tests/content/heldout.yml): for the final
                                             # measurement only, never for tuning

Speed is per message, one core, after a warm-up pass. The synthetic pack and
the typos are generated here with fixed seeds, so runs are comparable.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import string
import time
from collections.abc import Sequence
from pathlib import Path

from ruamel.yaml import YAML

from bot.content import ContentPack, Intent, load_pack
from bot.dialogue.replies import REQUIRED_INTENTS
from bot.matching.evaluation import Figures, HeldOut, cross_validate, evaluate, sweep
from bot.matching.matcher import Matcher
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FUNCTION = [
    "how",
    "what",
    "is",
    "the",
    "a",
    "do",
    "you",
    "can",
    "i",
    "my",
    "to",
    "for",
    "are",
    "there",
    "does",
    "it",
    "in",
    "of",
]


def percentiles(samples_ns: Sequence[int]) -> str:
    ms = sorted(s / 1e6 for s in samples_ns)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return f"p50 {q[49]:.3f} ms   p95 {q[94]:.3f} ms   p99 {q[98]:.3f} ms   max {ms[-1]:.3f} ms"


def time_messages(
    matcher: Matcher, messages: Sequence[str], repeat: int
) -> tuple[list[int], list[int]]:
    """Wall-clock and CPU time (this thread only) of each match, in nanoseconds.

    CPU time leaves out the moments another process had the core, so it is the
    steadier figure on a busy machine; wall-clock is what a visitor waits.
    """
    for text in messages:  # warm-up
        matcher.match(text)
    wall, cpu = [], []
    for _ in range(repeat):
        for text in messages:
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            matcher.match(text)
            cpu.append(time.thread_time_ns() - start_cpu)
            wall.append(time.perf_counter_ns() - start)
    return wall, cpu


def print_times(wall: Sequence[int], cpu: Sequence[int]) -> None:
    print(f"{len(wall)} matches, wall-clock: {percentiles(wall)}")
    print(f"{len(cpu)} matches, CPU time:   {percentiles(cpu)}")


def synthetic_pack(base: ContentPack, n_examples: int, seed: int = 5000) -> ContentPack:
    """A pack of n_examples spread over intents of 20, with a Zipf-like vocabulary."""
    rng = random.Random(seed)
    real = sorted(
        {w for it in base.intents.values() for e in it.examples for w in e.lower().split()}
    )
    made = {
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 10)))
        for _ in range(4000)
    }
    vocab = [w for w in real if w.isalpha()] + sorted(made)
    zipf = [1.0 / (rank + 1) ** 0.8 for rank in range(len(vocab))]
    intents: dict[str, Intent] = {}
    per_intent = 20
    for i in range(n_examples // per_intent):
        topic = rng.sample(vocab, 4)
        examples = []
        for _ in range(per_intent):
            words = rng.sample(FUNCTION, rng.randint(1, 4))
            words += rng.sample(topic, rng.randint(1, 3))
            words += rng.choices(vocab, weights=zipf, k=rng.randint(0, 3))
            rng.shuffle(words)
            examples.append(" ".join(words))
        name = f"intent_{i:04d}"
        intents[name] = Intent(name=name, title=name, examples=tuple(examples), response=name)
    return dataclasses.replace(base, intents=intents, synonyms=dict(base.synonyms))


def synthetic_messages(pack: ContentPack, n: int, seed: int = 7) -> list[str]:
    """Examples with a word dropped and a typo, plus unrelated sentences."""
    rng = random.Random(seed)
    examples = [e for it in pack.intents.values() for e in it.examples]
    out = []
    for _ in range(n):
        words = rng.choice(examples).split()
        if len(words) > 2:
            words.pop(rng.randrange(len(words)))
        w = rng.randrange(len(words))
        if len(words[w]) > 4:
            k = rng.randrange(len(words[w]) - 1)
            words[w] = words[w][:k] + words[w][k + 1] + words[w][k] + words[w][k + 2 :]
        out.append(" ".join(words))
    out += ["who won the game last night", "what is the weather like tomorrow in town"] * (n // 20)
    return out


def load_heldout(path: Path) -> HeldOut:
    return HeldOut.from_mapping(YAML(typ="safe").load(path.read_text(encoding="utf-8")))


def with_typos(heldout: HeldOut, seed: int = 11) -> HeldOut:
    """The same set with one slip in a word of three letters or more of every answerable message:
    two letters swapped, one dropped, one doubled or one replaced."""
    rng = random.Random(seed)
    typed = []
    for text, intent in heldout.in_scope:
        words = text.split()
        long_enough = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
        if long_enough:
            i = rng.choice(long_enough)
            w, k = words[i], rng.randrange(1, len(words[i]) - 1)
            words[i] = rng.choice(
                [
                    w[:k] + w[k + 1] + w[k] + w[k + 2 :],
                    w[:k] + w[k + 1 :],
                    w[:k] + w[k] + w[k:],
                    w[:k] + rng.choice(string.ascii_lowercase) + w[k + 1 :],
                ]
            )
        typed.append((" ".join(words), intent))
    return HeldOut(tuple(typed), heldout.out_of_scope, heldout.near_domain)


def asked_intents(pack: ContentPack) -> set[str]:
    """Intents a visitor asks about outside the request form: what cross-validation covers."""
    return {n for n in pack.intents if n not in REQUIRED_INTENTS} | {
        "human_handoff",
        "request_assessment",
    }


def report(fig: Figures, size: tuple[int, int, int], verbose: bool) -> None:
    print(
        f"in-scope top-1 accuracy     {fig.accuracy:6.1%}  ({size[0]} messages)\n"
        f"unrelated rejected          {fig.out_of_scope_rejected:6.1%}  ({size[1]} messages)\n"
        f"near-domain rejected        {fig.near_domain_rejected:6.1%}  ({size[2]} messages)"
    )
    if verbose:
        for miss in fig.misses:
            print(f"  miss   {miss.text!r}: {miss.expected} -> {miss.got} ({miss.confidence:.2f})")
        for fa in fig.false_accepts:
            print(f"  accept {fa.text!r}: -> {fa.got} ({fa.confidence:.2f})")


def sizes(h: HeldOut) -> tuple[int, int, int]:
    return len(h.in_scope), len(h.out_of_scope), len(h.near_domain)


def section(title: str) -> None:
    print(f"\n== {title}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT, help="content pack folder")
    parser.add_argument("--dev", type=Path, default=ROOT / "tests/content/heldout_dev.yml")
    parser.add_argument("--heldout", type=Path, default=ROOT / "tests/content/heldout.yml")
    parser.add_argument("--test", action="store_true", help="also measure the test set")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    parser.add_argument("--repeat", type=int, default=20, help="passes over the messages")
    parser.add_argument("--sweep", action="store_true", help="threshold sweeps")
    parser.add_argument("--verbose", action="store_true", help="list misses and false accepts")
    args = parser.parse_args()
    settings = Settings()
    threshold, margin = settings.match_threshold, settings.ambiguity_margin
    thresholds = [t / 100 for t in range(36, 62, 2)]

    section(f"demo pack ({args.content})")
    start = time.perf_counter()
    pack = load_pack(args.content)
    loaded = time.perf_counter()
    matcher = Matcher(pack, threshold=threshold, margin=margin)
    indexed = time.perf_counter()
    n_examples = sum(len(it.examples) for it in pack.intents.values())
    print(f"{len(pack.intents)} intents, {n_examples} examples")
    print(f"load {1e3 * (loaded - start):.1f} ms, index {1e3 * (indexed - loaded):.1f} ms")
    messages = [e for it in pack.intents.values() for e in it.examples][:200]
    dev = load_heldout(args.dev) if args.dev.is_file() else None
    if dev is not None:
        messages += [t for t, _ in dev.in_scope] + list(dev.out_of_scope + dev.near_domain)
    print_times(*time_messages(matcher, messages, args.repeat))

    section("synthetic pack, 5,000 examples")
    big = synthetic_pack(pack, 5000)
    start = time.perf_counter()
    big_matcher = Matcher(big, threshold=threshold, margin=margin)
    print(f"{len(big.intents)} intents, index {1e3 * (time.perf_counter() - start):.1f} ms")
    print_times(*time_messages(big_matcher, synthetic_messages(big, 500), max(args.repeat // 4, 1)))

    if dev is not None:
        typed = with_typos(dev)
        for name, h in ((args.dev.name, dev), (f"{args.dev.name}, a typo in each", typed)):
            section(f"{name} (threshold {threshold}, margin {margin})")
            fig = evaluate(matcher, h)
            report(fig, sizes(h), args.verbose)
            ambiguous = sum(matcher.match(t).ambiguous for t, _ in h.in_scope)
            print(f"in-scope flagged ambiguous  {ambiguous / max(len(h.in_scope), 1):6.1%}")
            if args.sweep:
                for f in sweep(matcher, h, thresholds):
                    print("  " + f.summary())

    asked = asked_intents(pack)
    section(f"{args.folds}-fold cross-validation over the examples of {len(asked)} intents")
    cv = cross_validate(
        pack, asked, folds=args.folds, thresholds=[0.0, threshold, *thresholds], margin=margin
    )
    held = sum(len(pack.intents[n].examples) for n in asked)
    print(f"right intent first (any confidence)  {cv[0].accuracy:6.1%}  ({held} examples)")
    print(f"right intent at threshold {threshold}     {cv[1].accuracy:6.1%}")
    if args.sweep:
        for f in cv[2:]:
            print(f"  threshold {f.threshold:.2f}: accuracy {f.accuracy:.1%}")

    if args.test:
        section(f"test set {args.heldout.name} (threshold {threshold}, margin {margin})")
        if not args.heldout.is_file():
            print("no test set yet")
            return
        heldout = load_heldout(args.heldout)
        report(evaluate(matcher, heldout), sizes(heldout), args.verbose)


if __name__ == "__main__":
    main()
