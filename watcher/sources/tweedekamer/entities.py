"""The Tweede Kamer's entities (tkData v1-0) as plain data: one `Entity` per element the SyncFeed sends.

Read leniently, because the data runs ahead of its schemas (Toezegging statuses and the nested
`toegezegdAan` arrived in 2026 before the XSD knew them, ODP #179/#180) and the feed is not uniform: the
entity may sit in the default namespace or under a `tk:` or `ns1:` prefix (Toezegging, Vergadering and
Verslag use `ns1:`), `tk:bijgewerkt` comes with or without a zone and with up to seven decimals,
`tk:verwijderd` is "true" or "True", an empty field is `xsi:nil`, and elements we do not read are skipped.

What is kept of each category is what watcher reads (KEPT): a field a subscriber never sees is not
stored, and a change in it is no change. A relation is a `ref` attribute on the child naming its parent
(a DocumentActor names its document); every relation is kept as a list, since the data has more than the
XSD allows (`vervangenVanuit` is 1-to-N, ODP #157).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

TK_NAMESPACE = "http://www.tweedekamer.nl/xsd/tkData/v1-0"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

# category -> (fields, relations) watcher reads; names as the XSD writes them. A relation inside a group
# element is written "group.element" (Toezegging's toegezegdAan.persoon).
KEPT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Document": (("soort", "documentNummer", "titel", "onderwerp", "datum", "volgnummer", "vergaderjaar",
                  "citeertitel", "aanhangselnummer", "organisatie"),
                 ("huidigeDocumentVersie", "zaak", "kamerstukdossier")),
    "DocumentVersie": (("status", "versienummer", "extensie", "datum", "externeidentifier"), ("document",)),
    "DocumentActor": (("actorNaam", "actorFractie", "functie", "relatie"),
                      ("document", "persoon", "fractie", "commissie")),
    "DocumentPublicatie": (("identifier", "documentType", "fileName", "publicatieDatum"), ("documentVersie",)),
    "Zaak": (("nummer", "soort", "onderwerp", "titel", "gestartOp", "status", "afgedaan", "volgnummer",
              "vergaderjaar"),
             ("kamerstukdossier", "vervangenVanuit", "agendapunt", "activiteit")),
    "ZaakActor": (("actorNaam", "actorFractie", "actorAfkorting", "functie", "relatie"),
                  ("zaak", "persoon", "fractie", "commissie")),
    "Kamerstukdossier": (("titel", "nummer", "toevoeging", "afgesloten"), ()),
    "Persoon": (("nummer", "titels", "initialen", "tussenvoegsel", "achternaam", "voornamen", "roepnaam",
                 "functie", "fractielabel"), ()),
    "Fractie": (("nummer", "afkorting", "naamNl", "naamEn", "aantalZetels", "datumActief", "datumInactief"), ()),
    "Besluit": (("stemmingsSoort", "besluitSoort", "besluitTekst", "opmerking", "status"), ("agendapunt", "zaak")),
    "Stemming": (("soort", "fractieGrootte", "actorNaam", "actorFractie", "vergissing"),
                 ("besluit", "persoon", "fractie")),
    "Activiteit": (("soort", "nummer", "onderwerp", "datumSoort", "datum", "aanvangstijd", "eindtijd", "locatie",
                    "besloten", "status", "voortouwnaam", "voortouwafkorting", "voortouwkortenaam"),
                   ("voortouwcommissie", "voortgezetVanuit", "vervangenVanuit")),
    "Agendapunt": (("nummer", "onderwerp", "volgorde", "status"), ("activiteit",)),
    # Told by the toezeggingen stream: the nested toegezegdAan of 2026 and the two
    # flat relations it replaced.
    "Toezegging": (("nummer", "tekst", "naam", "achternaam", "initialen", "tussenvoegsel", "voornaam", "functie",
                    "status", "datumNakoming", "kamerbriefNakoming", "ministerie", "aanmaakdatum", "activiteitNummer"),
                   ("activiteit", "toegezegdAan.persoon", "toegezegdAan.fractie", "toegezegdAanPersoon",
                    "toegezegdAanFractie", "isHerhalingVan", "isAanvullingOp", "isWijzigingVan")),
    # A verslag of a sitting (VLOS XML, its file): told by the debates stream.
    "Verslag": (("soort", "status"), ("vergadering",)),
}
CATEGORIES = tuple(KEPT)
_BY_ELEMENT = {c[0].lower() + c[1:]: c for c in CATEGORIES}


class EntityError(ValueError):
    """An entity that cannot be read (no id, a category we do not know): the message names it."""


@dataclass
class Entity:
    """One entity of the SyncFeed as the mirror keeps it: its fields and its references."""

    category: str  # the feed's category: "Document", "ZaakActor"
    id: str
    bijgewerkt: str = ""  # sortable UTC (stamp_key)
    deleted: bool = False
    fields: dict[str, str | None] = field(default_factory=dict)
    refs: dict[str, list[str]] = field(default_factory=dict)
    content_type: str = ""  # a downloadable entity's file (Document, DocumentPublicatie)
    content_length: int | None = None
    enclosure: str = ""  # the entry's link to the file, when the feed gave one

    def text(self, name: str) -> str:
        return self.fields.get(name) or ""

    def ref(self, name: str) -> str:
        found = self.refs.get(name) or []
        return found[0] if found else ""

    def content(self) -> dict:
        """What the entity says, without when it was stamped: the same content re-stamped (a data fix
        re-sent 25,000 entities on 2024-02-19) compares equal; and without where its file is linked from (an
        entity asked for by id comes without its feed entry's enclosure)."""
        return {"f": self.fields, "r": self.refs, "d": self.deleted, "t": self.content_type, "l": self.content_length}

    def to_dict(self) -> dict:
        return {"c": self.category, "i": self.id, "b": self.bijgewerkt, **self.content(), "e": self.enclosure}

    @classmethod
    def from_dict(cls, data: dict) -> "Entity":
        return cls(category=data["c"], id=data["i"], bijgewerkt=data.get("b", ""), deleted=data.get("d", False),
                   fields=data.get("f", {}), refs=data.get("r", {}), content_type=data.get("t", ""),
                   content_length=data.get("l"), enclosure=data.get("e", ""))


def local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""  # lxml's "{namespace}name", or "name"


def _attribute(element, name: str) -> str | None:
    """An attribute by its local name, whatever its prefix (tk:bijgewerkt, ns1:bijgewerkt, bijgewerkt)."""
    for key, value in element.attrib.items():
        if local(key) == name:
            return value
    return None


def boolean(text: str | None) -> bool | None:
    if text is None:
        return None
    word = text.strip().lower()
    if word in ("true", "1"):
        return True
    if word in ("false", "0"):
        return False
    return None


def stamp_key(text: str | None) -> str:
    """A sortable UTC form of a timestamp: zone or none (none is UTC, as tk:bijgewerkt is), 0 to 7 decimals."""
    if not text:
        return ""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$", text.strip())
    if not m:
        raise ValueError(f"unreadable timestamp {text!r}")
    base, fraction, zone = m.groups()
    moment = datetime.fromisoformat(base)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        moment -= sign * timedelta(hours=hours, minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + "." + (fraction or "").ljust(7, "0")[:7] + "Z"


def category_of(element) -> str:
    name = local(element.tag)
    category = _BY_ELEMENT.get(name) or _BY_ELEMENT.get(name[:1].lower() + name[1:])
    if category is None:
        raise EntityError(f"an entity <{name}> of a category watcher does not read")
    return category


def parse(element, enclosure: str = "") -> Entity:
    """One entity element (from an Atom entry's content, or an /Entiteiten answer) as an Entity."""
    category = category_of(element)
    ident = (element.get("id") or "").strip().lower()
    if not ident:
        raise EntityError(f"a {category} without an id")
    try:
        stamp = stamp_key(_attribute(element, "bijgewerkt"))
    except ValueError as e:
        raise EntityError(f"{category} {ident}: {e}") from None
    deleted = bool(boolean(_attribute(element, "verwijderd")))
    entity = Entity(category, ident, stamp, deleted, enclosure=enclosure)
    if deleted:
        return entity  # a deletion carries nothing else that counts
    kept_fields, kept_refs = KEPT[category]
    length = _attribute(element, "contentLength")
    entity.content_type = (_attribute(element, "contentType") or "").strip()
    entity.content_length = int(length) if length and length.strip().isdigit() else None
    _read(element, "", kept_fields, kept_refs, entity)
    return entity


def _read(element, group: str, kept_fields, kept_refs, entity: Entity) -> None:
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction
        name = group + local(child.tag)
        ref = child.get("ref")
        if ref is not None:
            if name in kept_refs and ref.strip():
                entity.refs.setdefault(name, []).append(ref.strip().lower())
            continue
        if len(child):
            if any(r.startswith(name + ".") for r in kept_refs):
                _read(child, name + ".", kept_fields, kept_refs, entity)
            continue
        if name in kept_fields:
            nil = boolean(child.get(XSI_NIL))
            entity.fields[name] = None if nil else (child.text or "").strip()
