"""Benchmark and evaluate the intent matcher.

    python bench/bench_matcher.py            # speed on the demo pack and a 5,000-example pack,
                                             # then the figures on tests/content/heldout.yml
    python bench/bench_matcher.py --sweep    # also the threshold sweep on heldout_dev.yml
    python bench/bench_matcher.py --verbose  # also list every miss and false accept

Speed is per message, one core, after a warm-up pass. The synthetic pack is
generated here with a fixed seed, so runs are comparable.
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
from bot.matching.evaluation import HeldOut, evaluate, sweep
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


def section(title: str) -> None:
    print(f"\n== {title}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT, help="content pack folder")
    parser.add_argument("--heldout", type=Path, default=ROOT / "tests/content/heldout.yml")
    parser.add_argument("--dev", type=Path, default=ROOT / "tests/content/heldout_dev.yml")
    parser.add_argument("--repeat", type=int, default=20, help="passes over the messages")
    parser.add_argument("--sweep", action="store_true", help="threshold sweep on the dev set")
    parser.add_argument("--verbose", action="store_true", help="list misses and false accepts")
    args = parser.parse_args()
    settings = Settings()
    threshold, margin = settings.match_threshold, settings.ambiguity_margin

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
    for path in (args.heldout, args.dev):
        if path.is_file():
            h = load_heldout(path)
            messages += [t for t, _ in h.in_scope] + list(h.out_of_scope + h.near_domain)
    print_times(*time_messages(matcher, messages, args.repeat))

    section("synthetic pack, 5,000 examples")
    big = synthetic_pack(pack, 5000)
    start = time.perf_counter()
    big_matcher = Matcher(big, threshold=threshold, margin=margin)
    print(f"{len(big.intents)} intents, index {1e3 * (time.perf_counter() - start):.1f} ms")
    print_times(*time_messages(big_matcher, synthetic_messages(big, 500), max(args.repeat // 4, 1)))

    if args.sweep and args.dev.is_file():
        section(f"threshold sweep on {args.dev.name}")
        dev = load_heldout(args.dev)
        for fig in sweep(matcher, dev, [t / 100 for t in range(36, 62, 2)]):
            print(fig.summary())

    section(f"evaluation on {args.heldout.name} (threshold {threshold}, margin {margin})")
    if not args.heldout.is_file():
        print("no held-out file yet")
        return
    heldout = load_heldout(args.heldout)
    fig = evaluate(matcher, heldout)
    ambiguous = sum(matcher.match(t).ambiguous for t, _ in heldout.in_scope)
    print(
        f"in-scope top-1 accuracy     {fig.accuracy:6.1%}  ({len(heldout.in_scope)} messages)\n"
        f"unrelated rejected          {fig.out_of_scope_rejected:6.1%}  "
        f"({len(heldout.out_of_scope)} messages)\n"
        f"near-domain rejected        {fig.near_domain_rejected:6.1%}  "
        f"({len(heldout.near_domain)} messages)\n"
        f"in-scope flagged ambiguous  {ambiguous / max(len(heldout.in_scope), 1):6.1%}"
    )
    if args.verbose:
        for miss in fig.misses:
            print(f"  miss   {miss.text!r}: {miss.expected} -> {miss.got} ({miss.confidence:.2f})")
        for fa in fig.false_accepts:
            print(f"  accept {fa.text!r}: -> {fa.got} ({fa.confidence:.2f})")


if __name__ == "__main__":
    main()
