"""An alert for the channels beside Telegram: an e-mail (a subject, plain text and HTML), a team chat's
post (plain text), a feed entry (HTML). The words are the chat's (alert.py's lines); what differs is the
wrapping, and the link to a revision's diff page where Telegram attaches the page itself."""

from __future__ import annotations

from ..model import Alert
from .alert import as_plain, first_line, html_lines, render_digest

SUBJECT_LIMIT = 200  # characters of an e-mail's subject; the first line says the rest in the body
DIFF_LINK = "Alle wijzigingen naast elkaar"


def subject(alert: Alert) -> str:
    line = first_line(alert)
    return line if len(line) <= SUBJECT_LIMIT else line[: SUBJECT_LIMIT - 1] + "…"


def body_html(alert: Alert, diff_url: str = "") -> str:
    """The alert's lines as an HTML fragment (Telegram's HTML is HTML's: b, i, a, escaped text)."""
    import html  # here, as in alert.py: a run that writes no alert loads no entity table

    lines = html_lines(alert)
    if diff_url:
        lines.append(f'<a href="{html.escape(diff_url)}">{DIFF_LINK}</a>')
    return "<br>\n".join(lines)


def plain(alert: Alert, diff_url: str = "") -> str:
    lines = [as_plain(line) for line in html_lines(alert)]
    if diff_url:
        lines.append(f"{DIFF_LINK}: {diff_url}")
    return "\n".join(lines)


def digest_subject(alerts: list[Alert], period: str) -> str:
    return f"Overzicht ({period}): {len(alerts)} melding{'en' if len(alerts) != 1 else ''}"


def digest_html(alerts: list[Alert], period: str) -> str:
    return "<br>\n".join("<br>\n".join(part.split("\n")) for part in render_digest(alerts, period))


def digest_plain(alerts: list[Alert], period: str) -> str:
    return "\n".join(as_plain(part) for part in render_digest(alerts, period))


def page(fragment: str, title: str) -> str:
    """An HTML document around a fragment: what an e-mail's HTML part is."""
    import html

    return (f'<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'</head>\n<body style="font-family: sans-serif; line-height: 1.4">\n{fragment}\n</body></html>\n')
