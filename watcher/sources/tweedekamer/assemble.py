"""What a document, a vote and a debate are, put together from the mirror's entities.

`gather_*` reads the parts of one root from the mirror (and names the parents it refers to that the
mirror does not hold: `missing`, fetched from `Entiteiten/<id>` before it is told); the other functions
are pure: entities in, the plain data the rest of watcher reads out (a Record with its Meta, a vote's
state as news/votes.py decides on it, a meeting's as news/agenda.py does). Nothing here knows the wire format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...model import Actor, Meta, Record
from .entities import Entity
from .mirror import Mirror

PAGE_URL = "https://www.tweedekamer.nl/kamerstukken/detail?id={zaak}&did={nummer}"
KOOP_URL = "https://zoek.officielebekendmakingen.nl/{identifier}.html"


@dataclass
class Parts:
    """The mirrored entities a root needs, gathered, and those named but not mirrored yet."""

    root: Entity | None
    missing: list[tuple[str, str]] = field(default_factory=list)  # (category, id) named but not mirrored
    # Named and not mirrored, and asked for, but not waited for when the feed has not got them (a vote's
    # meeting: only its date is read, to know a vote re-sent from long ago).
    optional: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DocumentParts(Parts):
    """A document's parts: its version, actors, zaken and dossiers."""

    version: Entity | None = None
    actors: list[Entity] = field(default_factory=list)
    zaken: list[Entity] = field(default_factory=list)
    zaak_actors: dict[str, list[Entity]] = field(default_factory=dict)
    dossiers: list[Entity] = field(default_factory=list)  # the document's, then its zaken's
    replaced: list[Entity] = field(default_factory=list)  # the zaken its zaken replace
    publications: list[Entity] = field(default_factory=list)
    parties: dict[str, list[str]] = field(default_factory=dict)  # fractie id -> every name it had


def _need(mirror: Mirror, parts: Parts, category: str, ident: str, optional: bool = False) -> Entity | None:
    found = mirror.get(category, ident) if ident else None
    if ident and found is None:
        (parts.optional if optional else parts.missing).append((category, ident))
    return found if found is not None and not found.deleted else None


def _zaken(mirror: Mirror, parts, refs: list[str]) -> None:
    for ident in refs:
        zaak = _need(mirror, parts, "Zaak", ident)
        if zaak is None:
            continue
        parts.zaken.append(zaak)
        parts.zaak_actors[zaak.id] = mirror.children("ZaakActor", zaak.id)
        for dossier in zaak.refs.get("kamerstukdossier", []):
            if (found := _need(mirror, parts, "Kamerstukdossier", dossier)) is not None:
                parts.dossiers.append(found)


def _parties(mirror: Mirror, parts, actors: list[Entity]) -> None:
    for actor in actors:
        fractie = actor.ref("fractie")
        if fractie and fractie not in parts.parties:
            if _need(mirror, parts, "Fractie", fractie) is not None:
                parts.parties[fractie] = mirror.names(fractie)


def _gather(mirror: Mirror, kind, category: str, ident: str):
    """The parts of a root, started: the root itself, named as missing when the mirror does not have it (its
    child came, it did not: asked for by id)."""
    parts = kind(mirror.get(category, ident))
    if parts.root is None:
        parts.missing.append((category, ident))
    return parts


def gather_document(mirror: Mirror, ident: str) -> DocumentParts:
    parts = _gather(mirror, DocumentParts, "Document", ident)
    doc = parts.root
    if doc is None or doc.deleted:
        return parts
    parts.version = _need(mirror, parts, "DocumentVersie", doc.ref("huidigeDocumentVersie"))
    parts.actors = mirror.children("DocumentActor", doc.id)
    for dossier in doc.refs.get("kamerstukdossier", []):
        if (found := _need(mirror, parts, "Kamerstukdossier", dossier)) is not None:
            parts.dossiers.append(found)
    _zaken(mirror, parts, doc.refs.get("zaak", []))
    for zaak in parts.zaken:
        for replaced in zaak.refs.get("vervangenVanuit", []):
            if (found := _need(mirror, parts, "Zaak", replaced)) is not None:
                parts.replaced.append(found)
    if parts.version is not None:
        parts.publications = mirror.children("DocumentPublicatie", parts.version.id)
    _parties(mirror, parts, parts.actors + [a for actors in parts.zaak_actors.values() for a in actors])
    return parts


def dossier_number(dossier: Entity) -> str:
    """"36800", or with its toevoeging "36800-X"."""
    nummer, toevoeging = dossier.text("nummer"), dossier.text("toevoeging")
    return f"{nummer}-{toevoeging}" if nummer and toevoeging else nummer


def _actor(entity: Entity, on: str, parties: dict[str, list[str]]) -> Actor:
    named = entity.text("actorFractie")
    aka = [n for n in parties.get(entity.ref("fractie"), []) if n != named]
    return Actor(name=entity.text("actorNaam"), role=entity.text("relatie"), party=named, on=on, aka=aka,
                 afkorting=entity.text("actorAfkorting"))


def _number(text: str) -> int:
    return int(text) if text.strip().lstrip("-").isdigit() and int(text) > 0 else 0


def document_record(parts: DocumentParts, source: str, base: str) -> Record | None:
    """The record of a gathered document: what compare.apply takes (its `spec` says how to get its file; the
    source adds the fetching). None for a document that has no number to be known by."""
    doc = parts.root
    if doc is None:
        return None
    stamp = max([doc.bijgewerkt] + [e.bijgewerkt for e in _all_parts(parts)])
    nummer = doc.text("documentNummer")
    if doc.deleted:
        # Known under its number when the mirror saw it alive; else by the id, an alias of what was stored.
        return Record(key=nummer or f"tk-id:{doc.id}", source=source, stamp=stamp, deleted=True,
                      meta=Meta(aliases=[f"tk-id:{doc.id}"]))
    if not nummer:
        return None
    version = parts.version
    external = version.text("externeidentifier") if version else ""
    zaak_numbers = [z.text("nummer") for z in parts.zaken if z.text("nummer")]
    file_url = doc.enclosure or f"{base}Resources/{doc.id}"
    links = {"tweedekamer.nl": PAGE_URL.format(zaak=zaak_numbers[0] if zaak_numbers else nummer, nummer=nummer),
             "bestand": file_url}
    if external:
        links["officielebekendmakingen.nl"] = KOOP_URL.format(identifier=external)
    actors = [_actor(a, "document", parts.parties) for a in parts.actors]
    for zaak in parts.zaken:
        actors += [_actor(a, "zaak", parts.parties) for a in parts.zaak_actors.get(zaak.id, [])]
    meta = Meta(
        soort=doc.text("soort"), titel=doc.text("titel"), onderwerp=doc.text("onderwerp"), datum=doc.text("datum"),
        vergaderjaar=doc.text("vergaderjaar"),
        # gestartOp: when the zaak began (a written question: when it was put).
        zaken=[{"nummer": z.text("nummer"), "soort": z.text("soort"),
                **({"gestart": z.text("gestartOp")[:10]} if z.text("gestartOp") else {})} for z in parts.zaken],
        dossiers=list(dict.fromkeys(n for d in parts.dossiers if (n := dossier_number(d)))),
        actors=actors,
        # A motie or amendement is found by its zaak, for the one that replaces it.
        aliases=[f"tk-id:{doc.id}"] + ([external] if external else []) + [f"zaak:{n}" for n in zaak_numbers],
        links=links, vervangt=[z.text("nummer") for z in parts.replaced if z.text("nummer")],
        volgnummer=_number(doc.text("volgnummer")))
    version_no = version.text("versienummer") if version else ""
    xml = next((p for p in parts.publications if p.text("documentType").lower() == "xml" and p.content_type), None)
    publication = ({"url": xml.enclosure or f"{base}Resources/{xml.id}", "length": xml.content_length}
                   if xml is not None else None)
    spec = {"url": file_url, "content_type": doc.content_type, "length": doc.content_length,
            "publication": publication}
    # The version and the file's length, as in the OData days: a document stored then is not fetched again.
    return Record(key=nummer, source=source, version=version_no, meta=meta, stamp=stamp,
                  fingerprint=f"v{version_no}:{doc.content_length}", spec=spec)


def with_known_actors(actors: list[Actor], stored: list[Actor]) -> list[Actor]:
    """A document's actors, where the mirror has none of a kind (on the document, on its zaak) but the store
    had some: a document from before the mirror began (an upgraded install, a document older than the
    warm-up) whose actors the feed will not send again."""
    kinds = {a.on for a in actors}
    return actors + [a for a in stored if a.on not in kinds]


def _all_parts(parts: DocumentParts) -> list[Entity]:
    found = [parts.version] if parts.version else []
    found += parts.actors + parts.zaken + parts.dossiers + parts.publications
    return found + [a for actors in parts.zaak_actors.values() for a in actors]


# ---------------------------------------------------------------- votes

@dataclass
class VoteParts(Parts):
    """A vote's parts: its zaken and dossiers, and each fractie's or member's position."""

    zaken: list[Entity] = field(default_factory=list)
    zaak_actors: dict[str, list[Entity]] = field(default_factory=dict)
    dossiers: list[Entity] = field(default_factory=list)
    positions: list[Entity] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # Stemming rows the Kamer took back
    meeting: Entity | None = None  # the Activiteit of its agendapunt: when it was voted


def gather_vote(mirror: Mirror, ident: str) -> VoteParts:
    parts = _gather(mirror, VoteParts, "Besluit", ident)  # a position may come of a vote from before the mirror
    besluit = parts.root
    if besluit is None or besluit.deleted:
        return parts
    _zaken(mirror, parts, besluit.refs.get("zaak", []))
    parts.positions = mirror.children("Stemming", besluit.id)
    parts.withdrawn = [s.id for s in mirror.children("Stemming", besluit.id, deleted=True) if s.deleted]
    punt = _need(mirror, parts, "Agendapunt", besluit.ref("agendapunt"), optional=True)
    if punt is not None:
        parts.meeting = _need(mirror, parts, "Activiteit", punt.ref("activiteit"), optional=True)
    return parts


def _zaak_state(zaak: Entity, actors: list[Entity], dossiers: list[Entity]) -> dict:
    own = set(zaak.refs.get("kamerstukdossier", []))
    return {"nummer": zaak.text("nummer"), "soort": zaak.text("soort"), "onderwerp": zaak.text("onderwerp"),
            "volgnummer": _number(zaak.text("volgnummer")),
            "dossiers": [n for d in dossiers if d.id in own and (n := dossier_number(d))],
            "actors": [{"name": a.text("actorNaam"), "party": a.text("actorFractie"), "role": a.text("relatie"),
                        **({"afkorting": a.text("actorAfkorting")} if a.text("actorAfkorting") else {})}
                       for a in actors]}


def vote_state(parts: VoteParts) -> dict | None:
    """A vote as votes.decide reads it (without what was told): its result, its zaken, every position."""
    besluit = parts.root
    if besluit is None:
        return None
    if besluit.deleted:
        return {"removed": True}
    positions = {}
    for row in parts.positions:
        seats = row.text("fractieGrootte")
        positions[row.id] = {"soort": row.text("soort"), "naam": row.text("actorNaam"),
                             "fractie": row.text("actorFractie"), "zetels": int(seats) if seats.isdigit() else 0,
                             "vergissing": row.text("vergissing").lower() == "true", "lid": bool(row.ref("persoon"))}
    meeting = parts.meeting
    return {"soort": besluit.text("besluitSoort"), "tekst": besluit.text("besluitTekst"),
            "stemmingssoort": besluit.text("stemmingsSoort"), "removed": False,
            "zaken": [_zaak_state(z, parts.zaak_actors.get(z.id, []), parts.dossiers) for z in parts.zaken
                      if z.text("nummer")],
            # The positions the mirror has, and those it knows were taken back: a vote from before the mirror
            # began keeps the positions stored then (news.votes folds the two).
            "positions": positions, "withdrawn": list(parts.withdrawn),
            "datum": (meeting.text("aanvangstijd") or meeting.text("datum")) if meeting else ""}


# ---------------------------------------------------------------- the agenda

@dataclass
class MeetingParts(Parts):
    """A debate's parts: its agenda, their zaken and dossiers, and the one it moved to."""

    punten: list[Entity] = field(default_factory=list)
    zaken: list[Entity] = field(default_factory=list)
    zaak_actors: dict[str, list[Entity]] = field(default_factory=dict)
    dossiers: list[Entity] = field(default_factory=list)
    replaced_by: list[Entity] = field(default_factory=list)


def gather_meeting(mirror: Mirror, ident: str) -> MeetingParts:
    parts = _gather(mirror, MeetingParts, "Activiteit", ident)  # an agendapunt may come of an older meeting
    meeting = parts.root
    if meeting is None or meeting.deleted:
        return parts
    parts.punten = sorted(mirror.children("Agendapunt", meeting.id),
                          key=lambda p: (_number(p.text("volgorde")), p.id))
    seen = set()
    for punt in parts.punten:
        for zaak in mirror.children("Zaak", punt.id):
            if zaak.id not in seen:
                seen.add(zaak.id)
                parts.zaken.append(zaak)
                for dossier in zaak.refs.get("kamerstukdossier", []):
                    if (found := _need(mirror, parts, "Kamerstukdossier", dossier)) is not None:
                        parts.dossiers.append(found)
    # The meetings that replace it name it (vervangenVanuit); one that continues it (voortgezetVanuit) does not.
    parts.replaced_by = [m for m in mirror.children("Activiteit", meeting.id)
                         if meeting.id in m.refs.get("vervangenVanuit", [])]
    return parts


def meeting_state(parts: MeetingParts) -> dict | None:
    """A meeting as agenda.decide reads it (without what was told)."""
    meeting = parts.root
    if meeting is None:
        return None
    if meeting.deleted:
        return {"removed": True}
    return {"nummer": meeting.text("nummer"), "soort": meeting.text("soort"), "onderwerp": meeting.text("onderwerp"),
            "status": meeting.text("status"), "datum": meeting.text("datum"), "aanvang": meeting.text("aanvangstijd"),
            "eind": meeting.text("eindtijd"), "locatie": meeting.text("locatie"),
            "commissie": meeting.text("voortouwnaam"), "commissie_afkorting": meeting.text("voortouwafkorting"),
            "removed": False,
            "zaken": [{k: v for k, v in _zaak_state(z, [], parts.dossiers).items() if k in
                       ("nummer", "soort", "onderwerp", "dossiers")} for z in parts.zaken if z.text("nummer")],
            "vervangen_door": [m.id for m in parts.replaced_by],
            "vervangt": list(meeting.refs.get("vervangenVanuit", []))}


@dataclass
class PromiseParts(Parts):
    """A toezegging's parts: to whom it was made, in which debate, on which dossiers."""

    persoon: Entity | None = None  # the member it was made to
    fractie: Entity | None = None  # the fractie it was made to
    meeting: Entity | None = None  # the debate it was made in
    dossiers: list[Entity] = field(default_factory=list)  # of the zaken on that debate's agenda


NO_DATE = "0001-01-01"  # the register's "no date of fulfilment"


def gather_promise(mirror: Mirror, ident: str) -> PromiseParts:
    parts = _gather(mirror, PromiseParts, "Toezegging", ident)
    promise = parts.root
    if promise is None or promise.deleted:
        return parts
    # Nested as toegezegdAan since 2026 (ODP #180); before, two flat relations.
    persoon = promise.ref("toegezegdAan.persoon") or promise.ref("toegezegdAanPersoon")
    fractie = promise.ref("toegezegdAan.fractie") or promise.ref("toegezegdAanFractie")
    parts.persoon = _need(mirror, parts, "Persoon", persoon, optional=True)
    parts.fractie = _need(mirror, parts, "Fractie", fractie, optional=True)
    parts.meeting = _need(mirror, parts, "Activiteit", promise.ref("activiteit"), optional=True)
    if parts.meeting is not None:
        for punt in mirror.children("Agendapunt", parts.meeting.id):
            for zaak in mirror.children("Zaak", punt.id):
                parts.dossiers += [d for ref in zaak.refs.get("kamerstukdossier", [])
                                   if (d := mirror.live("Kamerstukdossier", ref)) is not None]
    return parts


def promise_state(parts: PromiseParts) -> dict | None:
    """A toezegging as news.toezeggingen reads it (without what was told)."""
    promise = parts.root
    if promise is None:
        return None
    if promise.deleted:
        return {"removed": True}
    due = promise.text("datumNakoming")[:10]
    person = parts.persoon
    member = " ".join(p for p in (person.text("initialen"), person.text("tussenvoegsel"), person.text("achternaam"))
                      if p) if person is not None else ""
    fractie = parts.fractie
    by = " ".join(p for p in (promise.text("voornaam") or promise.text("initialen"), promise.text("tussenvoegsel"),
                              promise.text("achternaam")) if p) or promise.text("naam")
    meeting = parts.meeting
    return {"nummer": promise.text("nummer"), "tekst": promise.text("tekst"),
            "status": promise.text("status"), "nakoming": "" if due in ("", NO_DATE) else due,
            "kamerbrief": promise.text("kamerbriefNakoming"), "ministerie": promise.text("ministerie"),
            "gemaakt": promise.text("aanmaakdatum")[:10],
            # the dossiers of the debate it was made in: a dossier rule hears the promises made about it
            "dossiers": sorted({n for d in parts.dossiers if (n := dossier_number(d))}),
            "bewindspersoon": by, "functie": promise.text("functie"),
            "aan": member, "fractie": (fractie.text("afkorting") or fractie.text("naamNl")) if fractie else "",
            "debat": ({"nummer": meeting.text("nummer"), "soort": meeting.text("soort"),
                       "onderwerp": meeting.text("onderwerp"), "datum": meeting.text("datum")[:10],
                       "commissie": meeting.text("voortouwnaam"), "commissie_afkorting": meeting.text("voortouwafkorting")}
                      if meeting is not None else {"nummer": promise.text("activiteitNummer")}
                      if promise.text("activiteitNummer") else {}),
            "removed": False}


def all_promises(mirror: Mirror) -> dict[str, dict]:
    """Every toezegging the mirror holds, by id, as promise_state makes it (`watcher toezeggingen`)."""
    return {e.id: state for e in mirror.all("Toezegging")
            if (state := promise_state(gather_promise(mirror, e.id))) is not None and not state.get("removed")}
