"""Matching speed as watchlists grow: docs/s for the same 1,000 documents with 10, 1,000 and 100,000 keyword
rules, and the ratio of the last to the first (goal: at least 1/3).

Documents are 15 paragraphs each, drawn from the five seeds. Rules mix what users write: words, prefixes
(Oeigoer*), suffixes (*technologie), infixes (*surveillance*) and phrases, 100 to a subscriber.

Two runs. "flat": the same 10 topic rules that occur in the texts, plus rules on words these texts do not
have: the documents alert the same subscribers at every size, so the figure is what the rule count costs.
"dense": 10% of the rules are words of these very texts, so at 100,000 rules each document alerts about
900 subscribers; that run shows the cost of producing the alerts themselves.

    python bench/bench_match.py
"""

import random
import string
import time

from _common import SEEDS

from watcher.config import Subscriber
from watcher.extract import extract
from watcher.match import Matcher, fold
from watcher.model import Meta

DOCUMENTS = 1000
SIZES = (10, 1_000, 100_000)


def documents(rng: random.Random) -> list[str]:
    paragraphs = [b.text for path in sorted(SEEDS.glob("*.txt")) for b in extract(path.read_bytes()).blocks]
    return ["\n\n".join(rng.choice(paragraphs) for _ in range(15)) for _ in range(DOCUMENTS)]


def rules(n: int, vocabulary: list[str], rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        roll = rng.random()
        fake = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(6, 12)))
        word = rng.choice(vocabulary) if vocabulary else fake[::-1]  # no vocabulary: invented words only
        if roll < 0.70:
            out.append(fake)
        elif roll < 0.80:
            out.append(word)
        elif roll < 0.90:
            out.append((word if rng.random() < 0.5 else fake)[:5] + "*")
        elif roll < 0.95:
            out.append(f'"{word} {rng.choice(vocabulary) if vocabulary else fake}"')
        elif roll < 0.98:
            out.append("*" + (word if rng.random() < 0.5 else fake)[-6:])
        else:
            out.append("*" + (word if rng.random() < 0.5 else fake)[1:7] + "*")
    return out


def measure(docs: list[str], keywords: list[str]) -> tuple[float, float, int]:
    subscribers = [Subscriber(name=f"s{i}", keywords=tuple(keywords[i:i + 100])) for i in range(0, len(keywords), 100)]
    started = time.perf_counter()
    matcher = Matcher(subscribers)
    compiled = time.perf_counter() - started
    meta = Meta()
    started = time.perf_counter()
    alerts = sum(len(matcher.match(d, meta)) for d in docs)
    return compiled, DOCUMENTS / (time.perf_counter() - started), alerts


def loop_over_rules(docs: list[str], keywords: list[str]) -> float:
    """The baseline: one regular expression per rule, tried on every document (what the automaton replaces)."""
    import re

    patterns = []
    for k in keywords:
        words = [re.escape(fold(w.strip("*"))) for w in k.strip('"').split()]
        head = "" if k.lstrip('"').startswith("*") else r"\b"
        tail = "" if k.rstrip('"').endswith("*") else r"\b"
        patterns.append(re.compile(head + r"\W+".join(words) + tail))
    started = time.perf_counter()
    for d in docs:
        text = fold(d)
        [p.search(text) for p in patterns]
    return len(docs) / (time.perf_counter() - started)


def main() -> None:
    rng = random.Random(20261123)
    docs = documents(rng)
    vocabulary = sorted({fold(w) for d in docs[:200] for w in d.split() if w.isalpha() and len(w) >= 5})
    print(f"{DOCUMENTS} documents of {sum(map(len, docs)) // DOCUMENTS:,} characters on average; "
          f"vocabulary for rules: {len(vocabulary):,} words")
    topics = ["Xinjiang", "Oeigoer*", '"sociaal krediet"', "*surveillance*", "Hongkong", "Tibet*", "mensenrechten",
              "*technologie", "Wassenaar", "ambassade"]
    for run in ("flat", "dense"):
        rates = {}
        for size in SIZES:
            if run == "flat":
                keywords = topics[:size] + rules(size - len(topics[:size]), [], rng)
            else:
                keywords = rules(size, vocabulary, rng)
            compiled, rates[size], alerts = measure(docs, keywords)
            print(f"{run:5} {size:>7,} rules ({max(1, size // 100):>5} subscribers): compile {compiled * 1000:8.1f} ms, "
                  f"{rates[size]:8.1f} docs/s, {alerts:>7,} subscriber alerts")
        ratio = rates[SIZES[-1]] / rates[SIZES[0]]
        print(f"{run:5} ratio docs/s at {SIZES[-1]:,} rules to docs/s at {SIZES[0]} rules: {ratio:.2f}"
              + (" (goal >= 0.33)" if run == "flat" else ""))
    small, large = topics, topics + rules(990, [], rng)
    naive_small, naive_large = loop_over_rules(docs[:100], small), loop_over_rules(docs[:100], large)
    print(f"baseline, a regex per rule: {naive_small:8.1f} docs/s at 10 rules, {naive_large:8.1f} docs/s at 1,000 "
          f"rules (ratio {naive_large / naive_small:.3f}; at 100,000 rules about {naive_large / 100:.1f} docs/s)")


if __name__ == "__main__":
    main()
