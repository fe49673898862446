"""Alerts: built from a change and a watchlist hit, rendered for a chat (Telegram HTML) or a console."""

from __future__ import annotations

import html
from datetime import datetime, timezone

from .match import Hit
from .model import DELETED, NEW, REVISED, Alert, Change

KIND_WORDS = {NEW: "nieuw", REVISED: "gewijzigd", DELETED: "verwijderd"}


def alert_id(subscriber: str, change: Change) -> str:
    """The idempotency key: one alert per subscriber per document text (or deletion).

    "new" is keyed without the text, so a document alerted on its metadata before its file could
    be fetched is not alerted again when the text arrives.
    """
    key = change.stored.key
    if change.kind == REVISED:
        return f"{subscriber}|{key}|rev|{change.stored.current.hash}"
    if change.kind == DELETED:
        return f"{subscriber}|{key}|deleted"
    return f"{subscriber}|{key}|new"


def build(change: Change, hit: Hit, summary: list[str] | None = None, links: dict | None = None) -> Alert:
    """`links`: pages of the same document from other sources, shown beside its own."""
    meta = change.stored.meta
    kind = change.kind if change.kind in (REVISED, DELETED) else NEW
    reasons = list(hit.reasons)
    if hit.in_change is False:
        reasons.append("(the hit is not in the changed part)")
    return Alert(
        id=alert_id(hit.subscriber, change), subscriber=hit.subscriber, document=change.stored.key,
        kind=kind, title=meta.titel or meta.onderwerp or change.stored.key,
        version=change.record.version, old_version=change.old_version, soort=meta.soort, datum=meta.datum[:10],
        actors=[{"name": a.name, "party": a.party, "role": a.role} for a in meta.actors
                if a.role.lower() in ("indiener", "medeindiener")],
        zaken=[z.get("nummer", "") for z in meta.zaken], dossiers=list(meta.dossiers),
        reasons=reasons, snippet=hit.snippet, changes=list(summary or [])[:10],
        links={**(links or {}), **meta.links}, source=change.record.source,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def _headline(alert: Alert) -> str:
    what = KIND_WORDS.get(alert.kind, alert.kind)
    if alert.kind == REVISED and alert.old_version and alert.version and alert.old_version != alert.version:
        what += f", versie {alert.old_version} → {alert.version}"
    return what


def _people(alert: Alert) -> str:
    return ", ".join(f"{a['name']} ({a['party']})" if a.get("party") else a["name"] for a in alert.actors)


def render_text(alert: Alert) -> str:
    """A plain, readable rendering for stdout."""
    lines = [f"[{alert.subscriber}] {_headline(alert)}: {alert.soort} {alert.document}".rstrip(),
             f"  {alert.title}"]
    if alert.actors:
        lines.append(f"  door: {_people(alert)}")
    refs = [f"zaak {z}" for z in alert.zaken if z] + [f"dossier {d}" for d in alert.dossiers]
    if alert.datum or refs:
        lines.append("  " + ", ".join(([alert.datum] if alert.datum else []) + refs))
    lines.append(f"  waarom: {'; '.join(alert.reasons)}")
    if alert.snippet:
        lines.append(f"  \u201c{alert.snippet}\u201d")
    for change in alert.changes:
        lines.append(f"  ~ {change}")
    for name, url in alert.links.items():
        lines.append(f"  {name}: {url}")
    return "\n".join(lines)


def render_html(alert: Alert, highlight: str = "") -> str:
    """Telegram HTML: everything from upstream escaped (only <, > and & need it)."""
    e = lambda s: html.escape(str(s), quote=False)  # noqa: E731
    parts = [f"<b>{e(_headline(alert))}</b>: {e(alert.soort)} {e(alert.document)}", f"<b>{e(alert.title)}</b>"]
    if alert.actors:
        parts.append(f"door {e(_people(alert))}")
    refs = [f"zaak {z}" for z in alert.zaken if z] + [f"dossier {d}" for d in alert.dossiers]
    if alert.datum or refs:
        parts.append(e(", ".join(([alert.datum] if alert.datum else []) + refs)))
    parts.append(f"<i>{e('; '.join(alert.reasons))}</i>")
    if alert.snippet:
        parts.append(f"\u201c{e(alert.snippet)}\u201d")
    for change in alert.changes:
        parts.append(f"• {e(change)}")
    links = [f'<a href="{html.escape(url, quote=True)}">{e(name)}</a>' for name, url in alert.links.items()]
    if links:
        parts.append(" · ".join(links))
    return "\n".join(parts)
