"""`watcher extract` and `watcher diff`: the extraction and diff stages on files, as the bot runs them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..alerts.diffpage import render_page
from ..news.diff import diff
from ..extract import ExtractError, extract
from ..watchlists.match import Matcher
from ..model import LETTERHEAD, Document, Meta


def _load(path: str) -> Document:
    data = Path(path).read_bytes()
    return extract(data, name=path)


def _document(path: str, config) -> tuple[Document, Meta]:
    """A file, extracted, with the facts its text states; or else a stored document by its number (or an alias:
    kst-36600-XV-12), with its text and its metadata as the source reported them."""
    if Path(path).exists() or config is None:
        doc = _load(path)
        facts = doc.metadata
        return doc, Meta(zaken=[{"nummer": z, "soort": ""} for z in facts.get("zaken", [])],
                         dossiers=list(facts.get("dossiers", [])))
    from ..store import StoreError, open_store
    try:
        with open_store(config.state_dir, readonly=True, kind=config.store, dsn=config.dsn,
                        timeout=config.database_timeout) as store:
            stored = store.document(path) or (store.document(key) if (key := store.find_alias(path)) else None)
            if stored is None:
                raise LookupError("no such file, nor a document of that number in the store")
            text = store.text(stored.current.hash) if stored.current and stored.current.hash else None
    except StoreError as e:
        raise LookupError(f"no such file, and the store cannot be read: {e}") from None
    if text is None:
        raise LookupError("stored, but its text is not (yet): its file was not read")
    return text, stored.meta


def extract_command(args) -> int:
    try:
        doc = _load(args.file)
    except (OSError, ExtractError) as e:
        print(f"watcher: {args.file}: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"file": args.file, "metadata": doc.metadata, "text": doc.text,
                          "blocks": [{"kind": b.kind, "label": b.label, "text": b.text} for b in doc.blocks]},
                         ensure_ascii=False))
        return 0
    for key, value in doc.metadata.items():
        if key in ("askers", "sprekers"):
            value = ", ".join(f"{a['name']} ({a['party']})" if a["party"] else a["name"] for a in value)
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        print(f"{key}: {value}")
    print()
    for block in doc.blocks:
        prefix = f"[{block.label}] " if block.label and block.kind != "heading" else ""
        prefix = "[briefhoofd] " if block.kind == LETTERHEAD else prefix
        print(f"{prefix}{block.text}" if block.kind != "heading" else f"## {block.text}")
        print()
    return 0


def diff_command(args) -> int:
    try:
        old, new = _load(args.old), _load(args.new)
    except (OSError, ExtractError) as e:
        print(f"watcher: {e}", file=sys.stderr)
        return 2
    result = diff(old, new)
    if args.html:
        try:
            Path(args.html).write_text(render_page(result, new, title=f"{args.old} → {args.new}"), encoding="utf-8")
        except OSError as e:
            print(f"watcher: cannot write {args.html}: {e}", file=sys.stderr)
            return 2
    if not result.changed:
        print("geen inhoudelijke wijzigingen")
        return 0
    if not result.complete:
        print("(te groot om woord voor woord te vergelijken: hele alinea's)")
    for line in result.summary(limit=len(result.changes)):
        print(line)
    return 1


def match_command(args, config) -> int:
    """Which subscribers each file (or stored document) would alert, and why: a dry run of the watchlists,
    or of the rules given on the command line (then `config` may be None)."""
    rules = {kind: tuple(getattr(args, flag, ()) or ()) for kind, flag in
             (("keywords", "keyword"), ("members", "member"), ("parties", "party"), ("dossiers", "dossier"),
              ("exclude", "exclude"))}
    given = any(rules.values())
    if given:
        from ..settings import Subscriber
        from ..watchlists.rules import rule_problem
        problems = [f"--{flag} {r}: {p}" for kind, flag in (("keywords", "keyword"), ("members", "member"),
                                                            ("parties", "party"), ("dossiers", "dossier"),
                                                            ("exclude", "exclude"))
                    for r in rules[kind] if (p := rule_problem(kind, r))]
        if problems:
            for problem in problems:
                print(f"watcher: {problem}", file=sys.stderr)
            return 2
    matcher = Matcher([Subscriber(name="rule", **rules)] if given else config.subscribers)
    status = 0
    for path in args.files:
        try:
            doc, meta = _document(path, config)
        except (OSError, ExtractError, LookupError) as e:
            print(f"watcher: {path}: {e}", file=sys.stderr)
            status = 2
            continue
        facts = doc.metadata
        hits = matcher.match(doc.text, meta, facts.get("askers", []) + facts.get("sprekers", []), stated=facts)
        if args.json:
            for h in hits:
                print(json.dumps({"file": path, "subscriber": h.subscriber, "reasons": h.reasons,
                                  "snippet": h.snippet}, ensure_ascii=False))
            continue
        if not hits:
            print(f"{path}: no subscriber")
        for h in hits:
            print(f"{path}: {h.subscriber}: {'; '.join(h.reasons)}")
            print(f"    “{h.snippet}”")
    return status
