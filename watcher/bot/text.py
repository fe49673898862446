"""A reply's text made safe and fit for Telegram: arguments cleaned, rules escaped and cut, long replies split."""

from __future__ import annotations

import html
import unicodedata

from ..alerts.alert import pack

MAX_RULE_CHARS = 100
MAX_RULE_WORDS = 8
SHOWN_RULE_CHARS = 100  # of a rule echoed or listed (a YAML rule has no limit of its own)
MAX_REPLY_PARTS = 3  # messages one reply may take; the rest is cut with "… en N meer"


def clean(argument: str) -> str:
    """A command's argument without control, format (zero-width, bidi override) or other invisible
    characters, which would make a rule look like another or reorder a reply; spaces collapsed."""
    kept = "".join(" " if ch.isspace() else ch for ch in argument
                   if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())


def size_problem(rule: str) -> str | None:
    if len(rule) > MAX_RULE_CHARS:
        return f"een regel mag hoogstens {MAX_RULE_CHARS} tekens lang zijn (deze heeft er {len(rule)})"
    if len(rule.split()) > MAX_RULE_WORDS:
        return f"een regel mag hoogstens {MAX_RULE_WORDS} woorden hebben"
    return None


def shown(rule: str) -> str:
    """A rule as echoed in a reply: escaped, and cut (a YAML rule has no length limit)."""
    if len(rule) > SHOWN_RULE_CHARS:
        rule = rule[:SHOWN_RULE_CHARS] + "…"
    return html.escape(rule, quote=False)


def escaped(text: str) -> str:
    return html.escape(text, quote=False)


def reply_parts(reply: str) -> list[str]:
    """A reply as Telegram messages: split between lines into numbered parts, at most MAX_REPLY_PARTS;
    what does not fit is cut with how many lines were left out."""
    parts = pack(reply.split("\n"))
    lines, kept = reply.split("\n"), reply.count("\n") + 1
    while len(parts) > MAX_REPLY_PARTS and kept > 0:
        kept -= max(1, kept // 10)
        parts = pack(lines[:kept] + [f"… en {len(lines) - kept} regels meer"])
    return parts
