"""What a document's text says about itself: its number, date, who asked (and their party), who answered.

Used where a source has no such metadata (a feed item, a file on its own), and to find askers that the
structured metadata of an answer lacks.
"""

from __future__ import annotations

import re

MONTHS = {m: i for i, m in enumerate(
    "januari februari maart april mei juni juli augustus september oktober november december".split(), 1)}
_DUTCH_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DOCUMENT = re.compile(r"\b(\d{4}D\d{5})\b")
_ZAAK = re.compile(r"\b(\d{4}Z\d{5})\b")
HEAD = 20  # blocks before the body (or before the first question): where a document states who and when

# "Vragen van de leden Ceder (ChristenUnie) en Van der Staaij (SGP) aan ...", "MOTIE VAN HET LID PODT C.S.",
# "Antwoord op vragen de leden ...", "Indiener Martijn van Helvert (CDA)".
_ASKERS = re.compile(
    # "de motie van de leden X" points at another document; this one's askers come without an article.
    r"(?<!\bde )(?<!\bhet )(?<!\bdie )(?<!\bdeze )"
    r"(?:(?:vragen|motie|amendement)\s+(?:van\s+)?(?:het\s+lid|de\s+leden)|\bindieners?:?)\s+(?P<names>.+)", re.I)
_ASKERS_END = re.compile(
    r"\s+(?:aan\s+(?:de|het)|over|inzake|betreffende|ter\s+vervanging|mede\s+ingediend|c\.s\.|voorgesteld)\b"
    r"|\s*\((?:ingezonden|ontvangen)|(?<=\))\s+(?!en\b)|[.;:?]\s|[.;:?]$|\n", re.I)
_NAME_PARTY = re.compile(r"^(?P<name>.+?)(?:\s*\((?P<party>[^()]{1,30})\))?$")
_MINISTER = [
    re.compile(r"Antwoord van (?:de )?(?P<who>(?:Minister|Staatssecretaris)[^()]{0,60}?\([^)]+\))", re.I),
    re.compile(r"Beantwoord door (?P<who>[^()]+?)\s*\(", re.I),
    re.compile(r"Antwoorden? van de (?P<who>(?:Minister|Staatssecretaris) (?:van|voor) [A-Z][\w ,-]+?) op vragen"),
    re.compile(r"^De (?P<who>(?:Minister|Staatssecretaris) (?:van|voor) [A-Z][\w ,-]+?),\s*(?:[A-Z]\.)"),
]


def iso_date(text: str) -> str:
    m = _ISO_DATE.search(text)
    d = _DUTCH_DATE.search(text)
    if d and (not m or d.start() < m.start()):
        return f"{int(d.group(3)):04d}-{MONTHS[d.group(2).lower()]:02d}-{int(d.group(1)):02d}"
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else ""


def _title(name: str) -> str:
    """'PODT' -> 'Podt', 'VAN DER STAAIJ' -> 'Van der Staaij'; names in normal case stay."""
    if not name.isupper():
        return name
    words = name.lower().split()
    keep_low = {"van", "der", "de", "den", "het", "ter", "ten", "te", "op", "in"}
    return " ".join(w if (i and w in keep_low) else w.capitalize() for i, w in enumerate(words))


def askers(text: str) -> list[dict]:
    m = _ASKERS.search(text)
    if not m:
        return []
    names = m.group("names")
    end = _ASKERS_END.search(names)
    names = names[: end.start()] if end else names
    people = []
    for part in re.split(r",\s*|\s+en\s+|\s+EN\s+", names):
        part = part.strip()
        if not part:
            continue
        np = _NAME_PARTY.match(part)
        name = _title(np.group("name").strip())
        if not re.match(r"^[A-Z]", name) or len(name.split()) > 6 or re.search(r"\d", part):
            continue  # not a name: the sentence went on
        people.append({"name": name, "party": (np.group("party") or "").strip()})
    return people


def facts(blocks) -> dict:
    first_label = next((i for i, b in enumerate(blocks) if b.label), len(blocks))
    # What a document says of itself stands near its start: a few KB of each block are enough, and keep
    # a document of one enormous paragraph cheap.
    head = [b.text[:2000] for b in blocks[:min(HEAD, first_label)] if b.kind != "footnote"]
    everything = " ".join(b.text[:2000] for b in blocks[:200])
    out: dict = {}
    m = _DOCUMENT.search(" ".join(head)) or _DOCUMENT.search(everything)
    if m:
        out["nummer"] = m.group(1)
    zaken = list(dict.fromkeys(_ZAAK.findall(" ".join(head))))
    if zaken:
        out["zaken"] = zaken
    for text in head:
        if (date := iso_date(text)):
            out["datum"] = date
            break
    found = [people for text in head if (people := askers(text))]
    if found:
        # "Antwoord op vragen van de leden Ceder en Van der Staaij" and, further on, the same with parties.
        out["askers"] = next((p for p in found if any(a["party"] for a in p)), found[0])
    for text in head + [b.text[:2000] for b in blocks[HEAD:HEAD * 2]] + [b.text[-2000:] for b in blocks[-6:]]:
        for pattern in _MINISTER:
            if (m := pattern.search(text)):
                out["minister"] = " ".join(m.group("who").split())
                break
        if "minister" in out:
            break
    return out
