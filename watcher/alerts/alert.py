"""Alerts: built from a change and a watchlist hit, rendered for a chat (Telegram HTML) or a console.

Telegram allows 4,096 characters a message and 1,024 a caption. An alert is rendered as lines; a long one
is split between lines (never inside a tag, since every tag opens and closes on its line) and the parts
are numbered. Everything from upstream is escaped: in Telegram HTML only <, > and & need it.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ..watchlists.match import Hit
from ..model import DELETED, NEW, OVERDUE, REVISED, Alert, Change, Subject
from ..parliament import dutch_date

KIND_WORDS = {NEW: "nieuw", REVISED: "gewijzigd", DELETED: "verwijderd"}
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
LINE_LIMIT = 3000  # one line (a title of a thousand words) is cut to this, escaped
LINK_LIMIT = 1000  # characters of a link's escaped URL; a longer one is not linked (every line fits a message)


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


def build(change: Change, hit: Hit, summary: list[str] | None = None, links: dict | None = None,
          event: str = "") -> Alert:
    """`links`: pages of the same document from other sources, shown beside its own."""
    meta = change.stored.meta
    kind = change.kind if change.kind in (REVISED, DELETED) else NEW
    reasons = list(hit.reasons)
    if hit.in_change is False:
        reasons.append("(de treffer staat niet in het gewijzigde deel)")
    askers = (change.new.metadata.get("askers") if change.new else None) or []
    facts = change.new.metadata if change.new else {}
    return Alert(
        id=alert_id(hit.subscriber, change), subscriber=hit.subscriber, document=change.stored.key,
        kind=kind, title=subject(meta) or change.stored.key,
        version=change.record.version, old_version=change.old_version, soort=meta.soort, datum=meta.datum[:10],
        actors=_submitters(meta),
        askers=askers, answered_by=_answerer(meta, facts),
        zaken=[z.get("nummer", "") for z in meta.zaken], dossiers=list(meta.dossiers),
        reasons=reasons, snippet=hit.snippet, highlight=hit.highlight, changes=list(summary or []),
        old_hash=change.old.content_hash() if kind == REVISED and change.old else "",
        new_hash=change.new.content_hash() if kind == REVISED and change.new else "",
        links={**(links or {}), **meta.links}, source=change.record.source,
        days_to_answer=None if event else _days_to_answer(meta, facts), event=event,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


# Kinds whose Titel is their dossier's ("Vreemdelingenbeleid"): what they are about is their Onderwerp.
_ABOUT_IN_ONDERWERP = ("motie", "amendement")
SUBMITTERS = ("indiener", "medeindiener")  # the roles of who put a document forward


def _submitters(meta) -> list[dict]:
    return [{"name": a.name, "party": a.party, "role": a.role} for a in meta.actors if a.role.lower() in SUBMITTERS]


def subject(meta) -> str:
    """What the document is about, for the bold line: a motie's or amendement's Onderwerp ("Gewijzigde
    motie van het lid Podt c.s. over …"), not its dossier title; otherwise its title."""
    if meta.onderwerp and (meta.soort or "").lower().startswith(_ABOUT_IN_ONDERWERP):
        return meta.onderwerp
    return meta.titel or meta.onderwerp


def replaces(meta, key: str) -> str:
    """The headline of a gewijzigde motie or amendement: what it replaces ("gewijzigd: vervangt motie
    nr. 3370 (2025D05999)"); a gewijzigde motie that is itself replaced is still a motie."""
    soort = (meta.soort or "").lower()
    kind = next((k for k in ("motie", "amendement") if soort.startswith(k)), soort or "stuk")
    number = f" nr. {meta.volgnummer} ({key})" if meta.volgnummer else f" {key}"
    return f"gewijzigd: vervangt {kind}{number}"


def around_alert(ident: str, subscriber: str, kind: str, event: str, subject: Subject, reasons: list[str],
                 lines: list[str]) -> Alert:
    """An alert about what happened around a document (a vote, a debate): `subject` says what about."""
    return Alert(
        id=f"{subscriber}|{ident}", subscriber=subscriber, document=subject.document, kind=kind,
        title=subject.title, soort=subject.soort, datum=subject.datum[:10],
        actors=[a for a in subject.actors if (a.get("role") or "").lower() in SUBMITTERS],
        zaken=list(subject.zaken), dossiers=list(subject.dossiers), reasons=reasons, event=event,
        changes=lines, links=dict(subject.links), source=subject.source,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def overdue_alert(question_doc, subscriber: str, event: str) -> Alert:
    """A written question past its term, told to a subscriber who follows it."""
    meta = question_doc.meta
    about = Subject(document=question_doc.key, title=subject(meta) or question_doc.key, soort=meta.soort,
                    datum=meta.datum, actors=_submitters(meta), zaken=[z.get("nummer", "") for z in meta.zaken],
                    links=meta.links, source=question_doc.source)
    return around_alert(f"{question_doc.key}|overdue", subscriber, OVERDUE, event, about, ["u volgt deze vraag"], [])


def _answers(soort: str) -> bool:
    """An answer to written questions (its soort says "Antwoord …")."""
    return "antwoord" in (soort or "").lower()


def _answerer(meta, facts: dict) -> str:
    """Who answered written questions: the minister the answer's text names, else to whom the Kamer put them."""
    if not _answers(meta.soort):
        return ""
    return facts.get("minister") or next((a.name for a in meta.actors if a.role.lower() == "gericht aan"), "")


def _days_to_answer(meta, facts: dict) -> int | None:
    """An answer's days since its questions were put, when the text says when ("ingezonden 7 juni 2022")."""
    if not _answers(meta.soort) or not facts.get("ingezonden"):
        return None
    try:
        asked = datetime.strptime(facts["ingezonden"], "%Y-%m-%d")
        answered = datetime.strptime((facts.get("datum") or meta.datum)[:10], "%Y-%m-%d")
    except (ValueError, TypeError):
        return None
    days = (answered - asked).days
    return days if 0 <= days <= 3650 else None


def headline(alert: Alert) -> str:
    if alert.event:
        return alert.event
    what = KIND_WORDS.get(alert.kind, alert.kind)
    if alert.kind == REVISED and alert.old_version and alert.version and alert.old_version != alert.version:
        if alert.version.isdigit() and alert.old_version.isdigit():
            what += f", versie {alert.old_version} → {alert.version}"
        else:  # KOOP's "-n1", "-h2": a next version of the publication, not a number to count on
            what += f", nieuwe versie (-{alert.version.lstrip('-')})"
    return what


def people(alert: Alert) -> str:
    who = alert.actors or alert.askers
    return ", ".join(f"{a['name']} ({a['party']})" if a.get("party") else a["name"] for a in who)


FIRST_LINE_NAMES = 3  # members the first line names; more are the first two "c.s.", and all of them below
_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.\s*)+")


def short_people(alert: Alert) -> str:
    """Who, by surname, for the first line: "Kahraman (NSC), Ceder (ChristenUnie)"; four or more are the
    first two "c.s.", as the Kamer writes it."""
    who = alert.actors or alert.askers
    names = []
    for a in who[:2] if len(who) > FIRST_LINE_NAMES else who:
        name = _INITIALS.sub("", a["name"]).strip() or a["name"]
        name = name[:1].upper() + name[1:]  # "van der Staaij" without its initials starts a sentence's way
        names.append(f"{name} ({a['party']})" if a.get("party") else name)
    return ", ".join(names) + (" c.s." if len(who) > FIRST_LINE_NAMES else "")


def is_answer(alert: Alert) -> bool:
    return _answers(alert.soort)


# "van de leden Kahraman en Ceder", "van het lid Podt c.s." before "over": the names the first line gives after
# the title; "aan de minister van …" stays (who was asked is part of what the document is).
_BY_MEMBERS = re.compile(r"\s+van (?:de leden|het lid) (?:(?! aan ).){1,200}?(?=\s+over\s)")


def topic(alert: Alert) -> str:
    """The title as the first line shows it, the members it names said once, after it."""
    return _BY_MEMBERS.sub("", alert.title, count=1) if short_people(alert) else alert.title


def first_line(alert: Alert) -> str:
    """What a phone shows of a notification: what happened, to what, by whom (kind and number come below)."""
    what = headline(alert)
    what = what[:1].upper() + what[1:]
    who = short_people(alert)
    return f"{what}: {topic(alert)}" + (f" — {who}" if who else "")


def by_whom(alert: Alert) -> str:
    """"vragen van … · antwoord van …" for an answer; "door …" for what more members put forward than the
    first line names (there, all of them)."""
    if is_answer(alert):
        parts = [f"vragen van {people(alert)}" if people(alert) else "",
                 f"antwoord van {_lower_title(alert.answered_by)}" if alert.answered_by else ""]
        return " · ".join(p for p in parts if p)
    return f"door {people(alert)}" if len(alert.actors or alert.askers) > FIRST_LINE_NAMES else ""


def _lower_title(who: str) -> str:
    """"Minister van Buitenlandse Zaken (Veldkamp)" mid-sentence: "minister van …"."""
    first, _, rest = who.partition(" ")
    return (first.lower() if first.lower() in ("minister", "staatssecretaris") else first) + (f" {rest}" if rest else "")


def _refs(alert: Alert) -> str:
    refs = [f"zaak {z}" for z in alert.zaken if z] + [f"dossier {d}" for d in alert.dossiers]
    when = [dutch_date(alert.datum)] if alert.datum else []
    if alert.days_to_answer is not None:
        when.append(f"antwoord na {alert.days_to_answer} dag{'en' if alert.days_to_answer != 1 else ''}")
    return ", ".join(when + refs)


def why(alert: Alert) -> str:
    """The reasons as a subscriber reads them, on one line: "trefwoord Oeigoer* · Kamerlid D.G.M. Ceder,
    medeindiener · partij SGP". (The reasons themselves are kept as the matcher states them.)"""
    return reasons_in_dutch(alert.reasons, alert.actors)


def reasons_in_dutch(reasons: list[str], actors: list[dict]) -> str:
    roles = {a["name"]: r for a in actors if (r := (a.get("role") or "").lower()) in SUBMITTERS}
    out = []
    for reason in reasons:
        kind, _, rest = reason.partition(" ")
        if kind == "keyword":
            out.append(f"trefwoord {rest}")
        elif kind == "member":
            rule, _, name = rest.partition(" (")
            name = name.rstrip(")") or rule
            role = roles.get(name, "")
            out.append(f"Kamerlid {name}" + (f", {role}" if role else ""))
        elif kind == "party":
            out.append(f"partij {rest}")
        elif kind == "committee":
            out.append(f"commissie {rest}")
        elif kind == "ministry":
            out.append(f"ministerie {rest}")
        else:
            out.append(reason)  # "dossier 35207", and the notes already in Dutch
    return " · ".join(out)


def render_text(alert: Alert) -> str:
    """A plain, readable rendering for stdout."""
    # The operator's view: a line per alert that names it (grep finds "[desk] nieuw: Motie 2025D06779").
    lines = [f"[{alert.subscriber}] {headline(alert)}: {alert.soort} {alert.document}".rstrip(),
             f"  {alert.title}"]
    if is_answer(alert) and by_whom(alert):
        lines.append(f"  {by_whom(alert)}")
    elif people(alert):
        lines.append(f"  door: {people(alert)}")
    if _refs(alert):
        lines.append(f"  {_refs(alert)}")
    lines.append(f"  waarom: {why(alert)}")
    if alert.snippet:
        lines.append(f"  \u201c{alert.snippet}\u201d")
    for change in alert.changes:
        lines.append(f"  ~ {change}")
    for name, url in alert.links.items():
        lines.append(f"  {name}: {url}")
    return "\n".join(lines)


def _e(text: str, limit: int = LINE_LIMIT) -> str:
    """Escaped for Telegram's HTML, at most `limit` characters once escaped ("<" grows to "&lt;")."""
    import html  # where an alert is written: html's entity table is a millisecond a quiet run need not pay

    text = str(text)
    escaped = html.escape(text, quote=False)
    if len(escaped) <= limit:
        return escaped
    keep = limit - 1
    while len(html.escape(text[:keep], quote=False)) > limit - 1:
        keep = keep * 3 // 4  # an upstream line of "<&>" escapes to five times its length
    return html.escape(text[:keep], quote=False) + "…"


def _link(url: str, name: str) -> str:
    """A named link; a URL too long to go in a message whole (an upstream's) is left out, its name stays."""
    import html

    href = html.escape(url, quote=True)
    return f'<a href="{href}">{_e(name, 200)}</a>' if len(href) <= LINK_LIMIT else _e(name, 200)


def _bold_hit(snippet: str, highlight: str) -> str:
    if highlight and highlight in snippet:
        before, _, after = snippet.partition(highlight)
        return f"{_e(before)}<b>{_e(highlight)}</b>{_e(after)}"
    return _e(snippet)


def html_lines(alert: Alert) -> list[str]:
    """The alert as Telegram HTML, one self-contained line each (every tag closes on its line)."""
    # A phone shows the first line: the news (what happened to what, by whom). Then what it is (kind,
    # number, date, zaak), who put it forward or answered, why this chat hears of it, then the rest.
    lines = [f"<b>{_e(first_line(alert))}</b>"]
    what = " · ".join(x for x in (f"{alert.soort} {alert.document}".strip(), _refs(alert)) if x)
    if what:
        lines.append(_e(what))
    if by_whom(alert):
        lines.append(_e(by_whom(alert)))
    if alert.reasons:
        lines.append(f"<i>{_e(why(alert))}</i>")
    if alert.snippet:
        lines.append(f"\u201c{_bold_hit(alert.snippet, alert.highlight)}\u201d")
    lines += [f"• {_e(change, 600)}" for change in alert.changes]
    links: list[str] = []
    for name, url in alert.links.items():
        link = _link(url, name)  # the line of links fits a message: past LINE_LIMIT, names only
        links.append(link if len(" · ".join(links + [link])) <= LINE_LIMIT else _e(name, 200))
    if links:
        lines.append(" · ".join(links))
    return lines


def pack(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Lines -> messages of at most `limit` characters, split between lines, parts numbered."""
    whole = "\n".join(lines)
    if len(whole) <= limit:  # one message: no room kept for a number it does not need
        return [whole] if whole else []
    room = limit - len("\n(99/99)")
    messages, current = [], ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= room:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = line if len(line) <= room else line[:room]  # cannot happen with LINE_LIMIT-cut lines
    if current:
        messages.append(current)
    if len(messages) > 1:
        messages = [f"{m}\n({i}/{len(messages)})" for i, m in enumerate(messages, 1)]
    return messages


# Said in the chat when Telegram refuses a revision's diff as an attachment: its text went out already.
ATTACHMENT_REFUSED = "(De bijlage met alle wijzigingen kon niet worden meegestuurd.)"


def as_plain(message: str) -> str:
    """A Telegram HTML message as the subscriber reads it, without its tags: for when the HTML is refused."""
    import html

    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", message)
    return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text))[:MESSAGE_LIMIT]


def render_html(alert: Alert) -> list[str]:
    """One alert as one or more Telegram HTML messages."""
    return pack(html_lines(alert))


def render_digest(alerts: list[Alert], period: str) -> list[str]:
    """Several alerts for one subscriber in as few messages as the limit allows."""
    lines = [f"<b>Overzicht ({_e(period)}): {len(alerts)} melding{'en' if len(alerts) != 1 else ''}</b>"]
    for alert in alerts:
        link = next(iter(alert.links.values()), "")
        title = _link(link, alert.title) if link else _e(alert.title, 300)
        lines.append(f"• <b>{_e(headline(alert))}</b>: {title} — {_e(alert.soort)} {_e(alert.document)}"
                     f" <i>({_e(why(alert), 300)})</i>")
    return pack(lines)
