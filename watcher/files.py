"""`watcher extract` and `watcher diff`: the extraction and diff stages on files, as the bot runs them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .diff import diff, render_html
from .extract import ExtractError, extract
from .match import Matcher
from .model import LETTERHEAD, Document, Meta


def _load(path: str) -> Document:
    data = Path(path).read_bytes()
    return extract(data, name=path)


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
            Path(args.html).write_text(render_html(result, new, title=f"{args.old} → {args.new}"), encoding="utf-8")
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
    """Which subscribers each file would alert, and why: a dry run of the watchlists."""
    matcher = Matcher(config.subscribers)
    status = 0
    for path in args.files:
        try:
            doc = _load(path)
        except (OSError, ExtractError) as e:
            print(f"watcher: {path}: {e}", file=sys.stderr)
            status = 2
            continue
        facts = doc.metadata
        meta = Meta(zaken=[{"nummer": z, "soort": ""} for z in facts.get("zaken", [])],
                    dossiers=list(facts.get("dossiers", [])))
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
