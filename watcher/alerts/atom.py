"""A subscriber's alerts as an Atom feed (RFC 4287): each alert one entry, never edited.

A revision is an alert of its own (its id names the new text), so it is a new entry: feed readers do not show
an updated entry again. An entry's content is the alert as the chat reads it, with a link to the revision's
diff page; its categories are the rules that made it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from xml.etree import ElementTree as ET

from ..model import REVISED, Alert
from .diffpage import page_path
from .formats import DIFF_LINK, body_html, subject

NS = "http://www.w3.org/2005/Atom"
ENTRIES = 100  # the newest alerts a feed holds; a reader that polls daily misses none of a busy day


def entry_id(alert: Alert) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'watcher:alert:' + alert.id)}"


def feed(alerts: list[Alert], title: str, ident: str, self_url: str, base_url: str, now: datetime) -> bytes:
    """`alerts` newest first; `ident`: the feed's own stable name; `base_url`: where the diff pages are."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "nl"})
    _text(root, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'watcher:feed:' + ident)}")
    _text(root, "title", title)
    _text(root, "updated", _moment(alerts[0].created) if alerts else now.isoformat(timespec="seconds"))
    ET.SubElement(root, f"{{{NS}}}link", rel="self", type="application/atom+xml", href=self_url)
    author = ET.SubElement(root, f"{{{NS}}}author")
    _text(author, "name", "watcher")
    _text(root, "generator", "watcher")
    for alert in alerts[:ENTRIES]:
        entry = ET.SubElement(root, f"{{{NS}}}entry")
        _text(entry, "id", entry_id(alert))
        _text(entry, "title", subject(alert))
        when = _moment(alert.created) or now.isoformat(timespec="seconds")
        _text(entry, "published", when)
        _text(entry, "updated", when)
        page = next(iter(alert.links.values()), "")
        if page:
            ET.SubElement(entry, f"{{{NS}}}link", rel="alternate", type="text/html", href=page)
        diff = base_url + page_path(alert.document, alert.old_hash, alert.new_hash) if alert.kind == REVISED and alert.new_hash else ""
        if diff:
            ET.SubElement(entry, f"{{{NS}}}link", rel="related", type="text/html", href=diff, title=DIFF_LINK)
        for reason in alert.reasons:
            ET.SubElement(entry, f"{{{NS}}}category", term=reason)
        _text(entry, "content", body_html(alert, diff), type="html")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _text(parent, name: str, text: str, **attributes) -> None:
    ET.SubElement(parent, f"{{{NS}}}{name}", attributes).text = text


def _moment(created: str) -> str:
    """An alert's `created` as RFC 3339 (it is stored in UTC with its offset)."""
    if not created:
        return ""
    moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return moment.isoformat(timespec="seconds") if moment.tzinfo else moment.isoformat(timespec="seconds") + "Z"
