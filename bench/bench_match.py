"""Matching speed as watchlists grow: docs/s for the same 1,000 documents with 10, 1,000 and 100,000 keyword
rules, and the ratio of the last to the first (goal: at least 1/3).

Documents are 15 paragraphs each, drawn from the five seeds. Rules mix what users write: words, prefixes
(Oeigoer*), suffixes (*technologie), infixes (*surveillance*) and phrases, 100 to a subscriber.

Two runs. "flat": the same 10 topic rules that occur in the texts, plus rules on words these texts do not
have: the documents alert the same subscribers at every size, so the figure is what the rule count costs.
"dense": 10% of the rules are words of these very texts, so at 100,000 rules each document alerts about
900 subscribers; that run shows the cost of producing the alerts themselves.

"automata" compares automata on 1,000,000 patterns side by side, each in a process of its own: build time,
memory it added, docs/s (pyahocorasick storing a Python object per pattern, as watcher did; pyahocorasick
storing integer ids; ahocorasick-rs, which watcher uses now).

"big" is the whole watcher with 1,000,000 keyword rules: 10,000 subscribers of 100 rules, 9,000 of them chats
whose rules are in the store and 1,000 in sources.yaml. It times a quiet `watcher run --once` (nothing new)
and one with a new document to match, with their peak RSS (goal < 300 MB for the quiet one), and in a
running watcher the cost of a rule added from chat against making the whole automaton again.

    python bench/bench_match.py [scaling] [automata] [big]     (all three by default)
"""

import random
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import SEEDS

from watcher.settings import Subscriber
from watcher.extract import extract
from watcher.watchlists.match import FoldedText, Matcher
from watcher.parliament import fold
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


def measure(docs: list[str], keywords: list[str]) -> tuple[float, float, int, float]:
    """Compile time, docs/s, subscriber alerts, and docs/s of the raw automata alone on the same folded texts."""
    subscribers = [Subscriber(name=f"s{i}", keywords=tuple(keywords[i:i + 100])) for i in range(0, len(keywords), 100)]
    started = time.perf_counter()
    matcher = Matcher(subscribers).build()  # made now, not at its first document
    compiled = time.perf_counter() - started
    meta = Meta()
    started = time.process_time()
    alerts = sum(len(matcher.match(d, meta)) for d in docs)
    rate = DOCUMENTS / (time.process_time() - started)
    # The floor: the same automata over the same texts, folded beforehand, every hit reported and dropped.
    automata = [part._automaton for part, _ in matcher._parts if part._automaton]
    folded = [FoldedText(d).joined for d in docs]
    started = time.process_time()
    for text in folded:
        for automaton in automata:
            automaton.find_matches_as_indexes(text, overlapping=True)
    raw = DOCUMENTS / (time.process_time() - started)
    return compiled, rate, alerts, raw


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


def scaling() -> None:
    rng = random.Random(20261123)
    docs = documents(rng)
    vocabulary = sorted({fold(w) for d in docs[:200] for w in d.split() if w.isalpha() and len(w) >= 5})
    print(f"{DOCUMENTS} documents of {sum(map(len, docs)) // DOCUMENTS:,} characters on average; "
          f"vocabulary for rules: {len(vocabulary):,} words")
    topics = ["Xinjiang", "Oeigoer*", '"sociaal krediet"', "*surveillance*", "Hongkong", "Tibet*", "mensenrechten",
              "*technologie", "Wassenaar", "ambassade"]
    measure(docs, topics)  # warm-up: each distinct word is folded once per process, in whichever run comes first
    for run in ("flat", "dense"):
        rates = {}
        for size in SIZES:
            if run == "flat":
                keywords = topics[:size] + rules(size - len(topics[:size]), [], rng)
            else:
                keywords = rules(size, vocabulary, rng)
            compiled, rates[size], alerts, raw = measure(docs, keywords)
            print(f"{run:5} {size:>7,} rules ({max(1, size // 100):>5} subscribers): compile {compiled * 1000:8.1f} ms, "
                  f"{rates[size]:8.1f} docs/s, {alerts:>7,} subscriber alerts; the automata alone on the folded "
                  f"texts {raw:8.1f} docs/s (matching {rates[size] / raw:.2f} of it; goal >= 0.3)")
        ratio = rates[SIZES[-1]] / rates[SIZES[0]]
        print(f"{run:5} ratio docs/s at {SIZES[-1]:,} rules to docs/s at {SIZES[0]} rules: {ratio:.2f}"
              + (" (goal >= 0.33)" if run == "flat" else ""))
    small, large = topics, topics + rules(990, [], rng)
    naive_small, naive_large = loop_over_rules(docs[:100], small), loop_over_rules(docs[:100], large)
    print(f"baseline, a regex per rule: {naive_small:8.1f} docs/s at 10 rules, {naive_large:8.1f} docs/s at 1,000 "
          f"rules (ratio {naive_large / naive_small:.3f}; at 100,000 rules about {naive_large / 100:.1f} docs/s)")


AUTOMATON = """
import random, string, sys, time
sys.path[:0] = [{bench!r}, {root!r}]
from bench_match import documents, rss_mb, worst_gap
from watcher.watchlists.match import FoldedText
kind = {kind!r}
rng = random.Random(1)
patterns = list(dict.fromkeys(" " + "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(6, 12)))
                              + (" " if rng.random() < 0.8 else "") for _ in range(1_000_000)))
docs = [FoldedText(d).joined + patterns[n] for n, d in enumerate(documents(random.Random(2))[:300])]
made = {{}}


def make():
    if kind == "ahocorasick-rs":
        import ahocorasick_rs
        made["a"] = ahocorasick_rs.AhoCorasick(patterns, implementation=ahocorasick_rs.Implementation.ContiguousNFA)
    else:
        import ahocorasick
        a = made["a"] = ahocorasick.Automaton(ahocorasick.STORE_INTS if kind.endswith("ints") else ahocorasick.STORE_ANY)
        for n, p in enumerate(patterns):
            a.add_word(p, n if kind.endswith("ints") else (len(p), [(n, False, p)]))
        a.make_automaton()


before, started = rss_mb(), time.perf_counter()
gap = worst_gap(make)  # made in a thread, as watcher makes its automata: how long the main thread waits
automaton = made["a"]
find = (lambda d: automaton.find_matches_as_indexes(d, overlapping=True)) if kind == "ahocorasick-rs" \
    else (lambda d: list(automaton.iter(d)))
built, added = time.perf_counter() - started, rss_mb() - before
started = time.perf_counter()
found = sum(len(find(d)) for d in docs)
print(f"{{len(patterns):,}}|{{built:.1f}}|{{added:.0f}}|{{len(docs) / (time.perf_counter() - started):.0f}}|{{found}}|{{gap:.2f}}")
"""


def worst_gap(work) -> float:
    """Run `work` in a thread; the longest the main thread waited for the GIL meanwhile, in seconds (what
    an event loop beside it would be held)."""
    import threading
    thread = threading.Thread(target=work)
    thread.start()
    worst, last = 0.0, time.perf_counter()
    while thread.is_alive():
        time.sleep(0.001)
        now = time.perf_counter()
        worst, last = max(worst, now - last), now
    thread.join()
    return worst


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def automata() -> None:
    bench, root = str(Path(__file__).parent), str(Path(__file__).parent.parent)
    print("1,000,000 patterns (words of 6 to 12 letters, 80% whole words), 300 documents of ~10 KB with a hit each:")
    for kind in ("pyahocorasick, objects", "pyahocorasick, ints", "ahocorasick-rs"):
        run = subprocess.run([sys.executable, "-c", AUTOMATON.format(bench=bench, root=root, kind=kind)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(f"  {kind:24} not measured: {run.stderr.strip().splitlines()[-1]}")
            continue
        count, built, added, rate, found, gap = run.stdout.strip().split("|")
        print(f"  {kind:24} build {built:>5} s (the main thread held up to {gap} s at a time), +{added:>4} MB, "
              f"{rate:>6} docs/s ({found} hits)")


def big() -> None:
    from bench_pipeline import Run

    from tests.fakes.tk import FakeTK, page_rows
    from watcher.store import open_store

    rng = random.Random(7)
    tmp = Path(tempfile.mkdtemp())
    tk = FakeTK()
    tk.server.start()
    fake = lambda: "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(6, 12)))
    yaml_subscribers = [f"  - {{name: s{n}, keywords: [{', '.join(fake() for _ in range(100))}]}}" for n in range(1000)]
    config = tmp / "sources.yaml"
    config.write_text(f"state_dir: {tmp / 'state'}\nsources:\n  - {{name: tk, kind: tweedekamer, url: \"{tk.url}\"}}\n"
                      "subscribers:\n" + "\n".join(yaml_subscribers) + "\n")
    store = open_store(tmp / "state")
    store.set_chat_rules({f"chat:{1000 + n}": {"started": True, "keywords": [fake() for _ in range(100)]}
                          for n in range(9000)})
    store.flush()
    store.close()
    Run(config)  # the first run notes where the API is
    quiet = sorted((Run(config) for _ in range(3)), key=lambda r: r.wall)[1]
    print("1,000,000 keyword rules (1,000 subscribers in sources.yaml, 9,000 chats in the store):")
    print(f"  quiet `run --once`, nothing new (median of 3): {quiet.wall:.1f} s, peak RSS {quiet.rss / 1024:.0f} MB "
          f"(goal < 300)")
    [row] = [r for r in page_rows() if r["ContentType"]][:1]
    tk.add(dict(row, Id="00000000-0000-4000-8000-000000000001", DocumentNummer="2026D99999"))
    news = Run(config)
    print(f"  `run --once` with a new document to match: {news.wall:.1f} s, peak RSS {news.rss / 1024:.0f} MB")
    tk.server.stop()
    reload_cost(config)


def reload_cost(config_path: Path) -> None:
    """In a running watcher: the rules a /watch leaves, against making every automaton again."""
    from watcher.watchlists import subscribers as subs
    from watcher.config import load
    from watcher.watchlists.match import Matcher
    from watcher.model import Meta
    from watcher.store import open_store

    config = load(config_path)
    store = open_store(config.state_dir)
    people = subs.effective(config, store)
    started = time.perf_counter()
    whole = Matcher(people)
    gap = worst_gap(whole.build)  # in a thread, as LiveRules.ready makes them
    built = time.perf_counter() - started
    value = subs.state(store, 1000)
    value["keywords"] = value["keywords"] + ["Xinjiang"]
    subs.save(store, 1000, value)
    started = time.perf_counter()
    people = subs.effective(config, store)
    read = time.perf_counter() - started
    changed = Matcher(people, previous=whole)
    hits = changed.match("Xinjiang", Meta())
    after = time.perf_counter() - started
    print(f"  a running watcher makes the automata of all rules ({len(whole._parts)}) in {built:.1f} s, in a thread "
          f"that holds the event loop up to {gap:.2f} s at a time; after a /watch it reads the "
          f"rules again in {read:.2f} s and matches with the kept automaton and a side one of "
          f"{sum(p.count for p, _ in changed._parts[changed._main:])} rules {after - read:.3f} s later "
          f"(ratio {after / built:.2f}); the new rule fires: {[h.subscriber for h in hits] == ['chat 1000']}")
    store.close()


if __name__ == "__main__":
    parts = sys.argv[1:] or ["scaling", "automata", "big"]
    for part in parts:
        {"scaling": scaling, "automata": automata, "big": big}[part]()
