"""A verslag in VLOS XML (the Tweede Kamer's own report of a sitting, the SyncFeed's `Verslag`): who spoke, and
what they said, debate by debate. The schema is tests/fixtures/tk/xsd/vlos/VLOS2.0.xsd; the traps are those of
the real files in tests/fixtures/realdocs2/ (their README):

- Who SPOKE is a `woordvoerder` or an `interrumpant` (an interruption sits inside the turn it interrupts).
  Every other `spreker` is not speech: the members present listed at the opening ("Aanwezig zijn 117 leden"),
  the indieners of a motie under its `zaak`, the speaker of a `draadboekfragment`.
- The chair is a member whose turns carry `isvoorzitter` true: chairing is not speaking one's own words.
- A person is their `objectid` (two people are called Rutte in one 2014 sitting: a Kamerlid and the
  minister-president); names as the verslag writes them (`verslagnaam`, `weergavenaam` are sometimes initials
  or "Rutte Arno", `achternaam` sometimes the sort form "Miltenburg van").
- `status` says how far it is: Casco (a skeleton before the sitting, no speech), Ongecorrigeerd, Gecorrigeerd;
  `sluiting` 0001-01-01 means the sitting was not closed when this version was made (more may follow).
- Two dialects (`MessageType` vlos2document, and Vlos2_GGM in 2014): the same namespace and elements.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ._errors import ExtractError
from ._xmlsafe import parse

NS = "{http://www.tweedekamer.nl/ggm/vergaderverslag/v1.0}"
FIRST_WORDS = 300  # characters of what a speaker said first, shown in an alert
NOT_CLOSED = "0001-01-01"


@dataclass
class Speaker:
    id: str  # the spreker's objectid: one person across the verslag
    soort: str  # "Tweede Kamerlid", "Minister", "Staatssecretaris", "Externe spreker", …
    name: str  # as the verslag prints it ("Van Haersma Buma"; its weergavenaam may be "Haersma Buma van")
    voornaam: str = ""
    achternaam: str = ""
    fractie: str = ""
    functie: str = ""

    @property
    def member(self) -> bool:
        return self.soort.lower() == "tweede kamerlid"


@dataclass
class Speech:
    speaker: Speaker
    text: str  # their words, the label ("De heer Ceder (ChristenUnie):") left out
    interruption: bool = False
    start: str = ""


@dataclass
class Debate:
    id: str  # the activiteit's objectid
    soort: str  # "Plenair debat", "Commissiedebat", "Opening", …
    titel: str
    onderwerp: str = ""
    nummer: str = ""  # its parlisid: the Activiteit's number in the Kamer's data (2025A03874)
    speeches: list[Speech] = field(default_factory=list)
    zaken: list[dict] = field(default_factory=list)  # {"soort", "dossier", "stuk", "titel"} moved or on the agenda

    def speakers(self) -> list[Speaker]:
        """Who spoke in it, in the order they first did (the chair's turns are not speech)."""
        seen: dict[str, Speaker] = {}
        for speech in self.speeches:
            seen.setdefault(speech.speaker.id, speech.speaker)
        return list(seen.values())


@dataclass
class Verslag:
    soort: str  # Voorpublicatie, Tussenpublicatie, Eindpublicatie
    status: str  # Casco, Ongecorrigeerd, Gecorrigeerd
    timestamp: str
    vergadering: dict  # {"id", "soort", "titel", "datum", "nummer", "closed"}
    debates: list[Debate] = field(default_factory=list)

    def speeches(self) -> list[Speech]:
        return [s for d in self.debates for s in d.speeches]


def read_verslag(data: bytes) -> Verslag:
    """A verslag's sitting, its debates and who said what in them; ExtractError if it is no VLOS."""
    root = parse(data)
    # The real files say vlosCoreDocument, the schema vlosdocument (the data runs ahead of its schemas).
    if root.tag not in (NS + "vlosCoreDocument", NS + "vlosdocument"):
        raise ExtractError(f"not a VLOS verslag (its root is {root.tag})")
    meeting = root.find(NS + "vergadering")
    if meeting is None:
        raise ExtractError("a VLOS verslag without its vergadering")
    closing = _text(meeting, "sluiting")
    verslag = Verslag(soort=root.get("soort", ""), status=root.get("status", ""), timestamp=root.get("Timestamp", ""),
                      vergadering={"id": meeting.get("objectid", ""), "soort": meeting.get("soort", ""),
                                   "titel": _text(meeting, "titel"), "datum": _text(meeting, "datum")[:10],
                                   "nummer": _text(meeting, "vergaderingnummer"),
                                   "vergaderjaar": _text(meeting, "vergaderjaar"),
                                   "closed": bool(closing) and not closing.startswith(NOT_CLOSED),
                                   # a committee's sitting: the committees it is of ({"afkorting", "naam"})
                                   "commissies": [{"afkorting": _text(c, "afkorting"), "naam": _text(c, "verslagnaam")}
                                                  for c in meeting.iter(NS + "commissie")]})
    for activity in meeting.iter(NS + "activiteit"):
        debate = Debate(id=activity.get("objectid", ""), soort=activity.get("soort", ""),
                        titel=_text(activity, "titel"), onderwerp=_text(activity, "onderwerp"),
                        nummer=_text(activity, "parlisid"))
        for turn in activity.iter(NS + "woordvoerder", NS + "interrumpant"):
            if _text(turn, "isvoorzitter").lower() == "true":
                continue  # the chair
            spreker = turn.find(NS + "spreker")
            if spreker is None:
                continue
            words = _words(turn.find(NS + "tekst"))
            if words:
                debate.speeches.append(Speech(_speaker(spreker), words, interruption=turn.tag == NS + "interrumpant",
                                              start=_text(turn, "markeertijdbegin")))
        for zaak in activity.iter(NS + "zaak"):
            debate.zaken.append({"soort": zaak.get("soort", ""), "dossier": _text(zaak, "dossiernummer"),
                                 "stuk": _text(zaak, "stuknummer"), "titel": " ".join(_text(zaak, "titel").split())})
        verslag.debates.append(debate)
    return verslag


def _speaker(spreker) -> Speaker:
    return Speaker(id=spreker.get("objectid", ""), soort=spreker.get("soort", ""),
                   name=_text(spreker, "verslagnaam") or _text(spreker, "weergavenaam"),
                   voornaam=_text(spreker, "voornaam"), achternaam=_text(spreker, "achternaam"),
                   fractie=_text(spreker, "fractie"), functie=_text(spreker, "functie"))


def _words(tekst) -> str:
    """A turn's words: its paragraphs' items, the first one dropped where it is the label naming the speaker
    ("De heer Ceder (ChristenUnie):")."""
    if tekst is None:
        return ""
    items = [" ".join("".join(item.itertext()).split()) for item in tekst.iter(NS + "alineaitem")]
    if items and items[0].endswith(":") and len(items[0]) < 120:
        items = items[1:]
    return "\n".join(i for i in items if i)


def _text(element, name: str) -> str:
    found = element.find(NS + name)
    return (found.text or "").strip() if found is not None else ""


def digest(verslag: Verslag) -> dict:
    """A verslag as plain data: its status and, per debate, who spoke with their words (a hash to notice a
    correction, and the first words to show)."""
    debates = {}
    for debate in verslag.debates:
        speakers: dict[str, dict] = {}
        for speech in debate.speeches:
            s = speakers.setdefault(speech.speaker.id, {"name": speech.speaker.name, "soort": speech.speaker.soort,
                                                        "fractie": speech.speaker.fractie, "words": []})
            s["words"].append(speech.text)
        debates[debate.id] = {"titel": debate.titel, "soort": debate.soort, "nummer": debate.nummer,
                              "zaken": debate.zaken,
                              "speakers": {k: {**{f: v for f, v in s.items() if f != "words"},
                                               "first": " ".join(" ".join(s["words"]).split())[:FIRST_WORDS],
                                               "words": "\n".join(s["words"]),
                                               "hash": _hash("\n".join(s["words"]))}
                                           for k, s in speakers.items()}}
    return {"status": verslag.status, "closed": verslag.vergadering.get("closed", False),
            "vergadering": {k: verslag.vergadering.get(k, "") for k in ("titel", "datum", "soort", "commissies", "nummer",
                                                                         "vergaderjaar")},
            "debates": debates}


def _hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]
