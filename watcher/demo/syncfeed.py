"""A SyncFeed 2.0 on loopback, serving Tweede Kamer entities and their files: the demo's upstream and the
tests' fake.

It is written from the official entity schemas (ELEMENTS, the element names and order of the XSDs in
tests/fixtures/tk/xsd, checked against them by a test) and the few real fragments recorded
(tests/fixtures/tk/syncfeed): `Feed?category=<C>[&skiptoken=<n>]`, `Entiteiten/<id>`, `Resources/<id>`.
The values it serves are recorded rows: a recorded OData row with its expansions is taken apart into the
entities the SyncFeed has for it (`entities_of`), each naming its parent by a `ref`, as the real feed does.

What it does, and where the real format is not known, the choice it makes (each a knob, so a test can
vary it where a real server might):
- The skiptoken is one counter over every category, starting at `counter` (the real one passed 25 million
  in 2026). A change to an entity gives it the next value and moves it there: a compacted log, where an
  entity appears once, at its latest change. A put of the same content changes nothing; `touch` re-stamps
  unchanged content, as the 2024-02-19 data fix did.
- `Feed?skiptoken=n` answers the entries after n (known: an entry's `next` carries its own value and
  reading on from it does not repeat it). Each entry has `title` (the id), `id`, `updated`, `category`,
  `link rel="next"` and, for a downloadable entity, `link rel="enclosure"` to `Resources/<id>`
  (unknown: whether the enclosure has type and length attributes; it has neither).
- A page of `page_size` entries (250 known) has a feed-level `next` when more follow. `next_on_last`:
  whether the last page with entries still carries one (unknown; off). `relative_links`: whether links are
  written relative to the page ("Feed?category=…", "Resources/<id>"; unknown; the recorded pages have absolute
  ones; off). An empty page has `resume` =
  self + 1 (as recorded in ODP #37) and no `next`; so does a skiptoken above the head.
- The entity: default namespace (known), or `prefix` "tk" / "ns1" (the latter known for Toezegging,
  Vergadering and Verslag); `tk:bijgewerkt` with `zone` "" (known, ODP #193) or "Z" (known, a
  parlementaire-monitor test) and seven decimals; `verwijderd` as `deleted_word` ("true", or "True" as
  also seen); an empty field as `xsi:nil` (known); a deletion is the bare element (tkconv).
- `Entiteiten/<id>` answers the bare entity element, no Atom wrapper (known, ODP #193); 404 for an id it
  does not know (unknown: the real status).
- `Resources/<id>` answers the file with its content type.

`requests` counts listings per category; `entity_requests` the `Entiteiten` look-ups; failures can be
queued for one category's listing (`Feed?category=Document`), every listing (`Feed`) or a path prefix
(`Resources/`), used once each.
"""

from __future__ import annotations

import copy
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from .server import LoopbackServer, Request, Response

ROOT = "/SyncFeed/2.0/"
TK = "http://www.tweedekamer.nl/xsd/tkData/v1-0"

# category -> (relations, fields) in the order of its XSD (tkData-v1-0-<category>.xsd); downloadable
# categories carry tk:contentType and tk:contentLength. A group of relations (Toezegging's toegezegdAan)
# is written with its parts inside it.
ELEMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Document": (("huidigeDocumentVersie", "bronDocument", "activiteit", "agendapunt", "zaak", "kamerstukdossier"),
                 ("soort", "documentNummer", "titel", "onderwerp", "datum", "volgnummer", "vergaderjaar", "kamer",
                  "citeertitel", "alias", "datumRegistratie", "datumOntvangst", "aanhangselnummer",
                  "kenmerkAfzender", "organisatie")),
    "DocumentVersie": (("document",), ("status", "versienummer", "bestandsgrootte", "extensie", "datum",
                                       "externeidentifier")),
    "DocumentActor": (("document", "persoon", "fractie", "commissie"),
                      ("actorNaam", "actorFractie", "functie", "relatie", "sidActor")),
    "DocumentPublicatie": (("documentVersie",), ("identifier", "documentType", "fileName", "source", "url",
                                                 "publicatieDatum")),
    "Zaak": (("kamerstukdossier", "activiteit", "agendapunt", "gerelateerdVanuit", "vervangenVanuit"),
             ("nummer", "soort", "onderwerp", "gestartOp", "organisatie", "titel", "citeertitel", "alias",
              "grondslagvoorhang", "termijn", "vergaderjaar", "volgnummer", "status", "huidigeBehandelstatus",
              "afgedaan", "grootProject", "kabinetsappreciatie")),
    "ZaakActor": (("zaak", "persoon", "fractie", "commissie"),
                  ("actorNaam", "actorFractie", "actorAfkorting", "functie", "relatie", "sidActor")),
    "Kamerstukdossier": ((), ("titel", "citeertitel", "alias", "nummer", "toevoeging", "hoogsteVolgnummer",
                              "afgesloten", "kamer")),
    "Persoon": ((), ("nummer", "titels", "initialen", "tussenvoegsel", "achternaam", "voornamen", "roepnaam",
                     "geslacht", "functie", "geboortedatum", "geboorteplaats", "geboorteland", "overlijdensdatum",
                     "overlijdensplaats", "woonplaats", "land", "fractielabel")),
    "Fractie": ((), ("nummer", "afkorting", "naamNl", "naamEn", "aantalZetels", "aantalStemmen", "datumActief",
                     "datumInactief")),
    "Besluit": (("agendapunt", "zaak"), ("stemmingsSoort", "besluitSoort", "besluitTekst", "opmerking", "status",
                                         "agendapuntZaakBesluitVolgorde")),
    "Stemming": (("besluit", "persoon", "fractie"), ("soort", "fractieGrootte", "actorNaam", "actorFractie",
                                                     "vergissing", "sidActorLid", "sidActorFractie")),
    "Activiteit": (("voortouwcommissie", "voortgezetVanuit", "vervangenVanuit"),
                   ("soort", "nummer", "onderwerp", "datumSoort", "datum", "aanvangstijd", "eindtijd", "locatie",
                    "besloten", "status", "vergaderjaar", "kamer", "noot", "vrsNummer", "sidVoortouw",
                    "voortouwnaam", "voortouwafkorting", "voortouwkortenaam", "aanvraagdatum",
                    "datumVerzoekEersteVerlenging", "datumMededelingEersteVerlenging",
                    "datumVerzoekTweedeVerlenging", "datumMededelingTweedeVerlenging", "vervaldatum")),
    "Agendapunt": (("activiteit",), ("nummer", "onderwerp", "aanvangstijd", "eindtijd", "volgorde", "rubriek",
                                     "noot", "status")),
    "Toezegging": (("toegezegdAan.persoon", "toegezegdAan.fractie", "isHerhalingVan", "isAanvullingOp",
                    "isWijzigingVan", "activiteit"),
                   ("aanmaakdatum", "nummer", "activiteitNummer", "naam", "achternaam", "initialen", "tussenvoegsel",
                    "voornaam", "achtervoegsel", "titulatuur", "functie", "status", "datumNakoming",
                    "kamerbriefNakoming", "ministerie", "tekst")),
    "Verslag": (("vergadering",), ("soort", "status")),
}
DOWNLOADABLE = {"Document", "DocumentPublicatie", "Persoon", "Fractie", "Verslag"}


def element_name(category: str) -> str:
    return category[0].lower() + category[1:]


class FakeSyncFeed:
    def __init__(self, files: dict, page_size: int = 250, counter: int = 25_403_408):
        """`files`: content type -> path of the file a Document serves unless given its own."""
        self.default_files = files
        self.page_size = page_size
        self.counter = counter
        # (category, id) -> {"category", "id", "fields", "refs", "deleted", "bijgewerkt", "token",
        # "content_type", "content_length"}
        self.entities: dict[tuple[str, str], dict] = {}
        self._tokens: dict[str, list[tuple[int, str]]] = {}  # category -> [(token, id)], in token order
        self.files: dict[str, tuple[bytes, str]] = {}  # resource id -> (bytes, content type)
        self.publications: dict[str, bytes] = {}  # a DocumentPublicatie's id -> its XML
        self.renderers: dict[str, object] = {}  # resource id -> callable making the file on request
        self._render_lock = threading.Lock()
        self._lock = threading.RLock()
        # knobs (see the module's docstring)
        self.prefix = ""  # "", "tk" or "ns1"
        self.zone = ""  # "" or "Z" after tk:bijgewerkt
        self.deleted_word = "true"
        self.next_on_last = False
        self.relative_links = False
        # faults and pace
        self.failures: list[tuple[str, int]] = []
        self.not_atom = False
        self.delay = 0.0
        self.latency = (0.0, 0.0)  # before a listing's answer, and before any other (a real API's pace)
        self.category_latency: dict[str, float] = {}  # per category, overriding latency[0]
        self.intercept = None  # (path, request) -> Response | None
        self.requests: dict[str, int] = {}
        self.entity_requests = 0
        self.file_requests = 0
        # Stamps follow the real clock (each change a little after the one before), as the Kamer's do, so a
        # `since:` date or a first run's start lands among them; `set_clock` moves them elsewhere.
        self._clock = datetime.now(timezone.utc)
        self._follow_real_time = True
        self.stamp_step = timedelta(microseconds=1000)
        self.server = LoopbackServer(self.handle)
        self.url = self.server.url + ROOT

    # ------------------------------------------------------------ data
    def set_clock(self, moment: datetime | None, step: timedelta | None = None) -> None:
        """Stamp what follows from `moment` on, `step` apart (entities changed long ago, a year spread out);
        None: follow the real clock again."""
        self._follow_real_time = moment is None
        self._clock = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
        self.stamp_step = step or timedelta(microseconds=1000)

    def next_stamp(self) -> str:
        with self._lock:
            self._clock += self.stamp_step
            if self._follow_real_time:
                self._clock = max(self._clock, datetime.now(timezone.utc))
            return self._clock.strftime("%Y-%m-%dT%H:%M:%S.%f") + "4"  # seven decimals, as the feed sends

    def put_entity(self, category: str, ident: str, fields: dict | None = None, refs: dict | None = None,
                   deleted: bool = False, merge: bool = False, stamp: str | None = None,
                   content_type: str = "", content_length: int | None = None, force: bool = False) -> dict:
        """Publish an entity, or change it. `merge`: add to what it has (a zaak seen from a document and from an
        agenda point has both relations). The same content again changes nothing unless `force`."""
        if category not in ELEMENTS:
            raise ValueError(f"not a category the fake serves: {category}")
        with self._lock:
            ident = ident.lower()
            old = self.entities.get((category, ident))
            new = {"category": category, "id": ident, "deleted": deleted,
                   "fields": {k: _text(v) for k, v in (fields or {}).items()},
                   "refs": {k: [r.lower() for r in v] for k, v in (refs or {}).items() if v},
                   "content_type": content_type, "content_length": content_length}
            if merge and old is not None and not old["deleted"] and not deleted:
                new["fields"] = {**old["fields"], **new["fields"]}
                refs = {k: list(v) for k, v in old["refs"].items()}
                for k, v in new["refs"].items():
                    refs[k] = list(dict.fromkeys(refs.get(k, []) + v))
                new["refs"] = refs
                new["content_type"] = content_type or old["content_type"]
                new["content_length"] = content_length if content_length is not None else old["content_length"]
            if old is not None and not force and all(old[k] == new[k] for k in new):
                return old
            self.counter += 1
            new.update(token=self.counter, bijgewerkt=stamp or self.next_stamp())
            self.entities[(category, ident)] = new
            tokens = self._tokens.setdefault(category, [])
            if old is not None:
                tokens.remove((old["token"], ident))
            tokens.append((self.counter, ident))
            return new

    def touch(self, category: str, ident: str) -> dict:
        """Re-stamp an entity without changing it (what the 2024-02-19 data fix did to 25,000 of them)."""
        old = self.entities[(category, ident.lower())]
        return self.put_entity(category, ident, old["fields"], old["refs"], old["deleted"], force=True,
                               content_type=old["content_type"], content_length=old["content_length"])

    def remove(self, category: str, ident: str) -> dict:
        """Delete an entity: the feed sends it again, bare, with verwijderd true."""
        return self.put_entity(category, ident, deleted=True)

    def bump(self, n: int) -> None:
        """Let the counter run on, as changes in categories nobody here reads do."""
        with self._lock:
            self.counter += n

    def head(self, category: str) -> int:
        tokens = self._tokens.get(category)
        return tokens[-1][0] if tokens else 0

    def fail(self, prefix: str, *statuses: int) -> None:
        self.failures += [(prefix, s) for s in statuses]

    # ------------------------------------------------------------ HTTP
    def handle(self, request: Request) -> Response:
        if self.delay:
            time.sleep(self.delay)
        path = request.path[len(ROOT):] if request.path.startswith(ROOT) else request.path
        listing = path == "Feed"
        category = request.query.get("category", "")
        wait = self.category_latency.get(category, self.latency[0]) if listing else self.latency[1]
        if wait:
            time.sleep(wait)
        if self.intercept and (answer := self.intercept(path, request)) is not None:
            return answer
        target = path + (f"?category={category}" if listing else "")
        for i, (prefix, status) in enumerate(self.failures):
            # A listing fails for its own category only ("Feed?category=Document" is not DocumentActor's),
            # or for all of them ("Feed").
            if (target == prefix or prefix == "Feed") if listing else target.startswith(prefix):
                del self.failures[i]
                return Response(status, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})
        if listing:
            self.requests[category] = self.requests.get(category, 0) + 1
            if self.not_atom:
                return Response(200, b"<html>onderhoud</html>", {"Content-Type": "text/html"})
            return self._page(category, request.query.get("skiptoken"))
        m = re.fullmatch(r"Entiteiten/([0-9a-fA-F-]+)", path)
        if m:
            self.entity_requests += 1
            found = next((e for (c, i), e in list(self.entities.items()) if i == m.group(1).lower()), None)
            if found is None:
                return Response(404, b"<Error><Message>Not found</Message></Error>", {"Content-Type": "application/xml"})
            return Response(200, self._entity_xml(found).encode(), {"Content-Type": "application/xml; charset=utf-8"})
        m = re.fullmatch(r"Resources/([0-9a-fA-F-]+)", path)
        if m:
            self.file_requests += 1
            ident = m.group(1).lower()
            if ident in self.publications:
                return Response(200, self.publications[ident], {"Content-Type": "application/xml"})
            if ident in self.renderers:
                with self._render_lock:  # pdfium is not thread-safe, and the server has a thread a request
                    data, ctype = self.renderers[ident]()
                return Response(200, data, {"Content-Type": ctype})
            if ident not in self.files:
                return Response(404, b"not found")
            data, ctype = self.files[ident]
            return Response(200, data, {"Content-Type": ctype})
        return Response(404, b"<Error><Message>An error has occurred.</Message></Error>",
                        {"Content-Type": "application/xml"})

    def link(self, category: str, token: int | None) -> str:
        query = {"category": category} if token is None else {"category": category, "skiptoken": token}
        return f"{self.url}Feed?{urlencode(query)}"

    def _page(self, category: str, skiptoken: str | None) -> Response:
        after = int(skiptoken) if skiptoken and skiptoken.isdigit() else 0
        with self._lock:
            tokens = list(self._tokens.get(category, []))
            start = _first_after(tokens, after)
            chosen = tokens[start:start + self.page_size]
            more = start + self.page_size < len(tokens)
            entities = [self.entities[(category, i)] for _, i in chosen]
        this = self.link(category, int(skiptoken) if skiptoken and skiptoken.isdigit() else None)
        out = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.w3.org/2005/Atom">',
               "<title>Gegevensmagazijn SyncFeed</title>", f"<link rel=\"self\" href={quoteattr(this)}/>"]
        if entities and (more or self.next_on_last):
            out.append(f"<link rel=\"next\" href={quoteattr(self.link(category, entities[-1]['token']))}/>")
        if not entities:
            out.append(f"<link rel=\"resume\" href={quoteattr(self.link(category, after + 1))}/>")
        out.append(f"<updated>{datetime.now(timezone.utc).isoformat()}</updated>"
                   "<author><name>Tweede Kamer der Staten-Generaal</name></author>")
        for entity in entities:
            ident = entity["id"]
            out.append(f"<entry><title>{ident}</title><id>{self.url}Entiteiten/{ident}</id>"
                       f"<updated>{entity['bijgewerkt']}Z</updated>"
                       f"<category term=\"{element_name(category)}\"/>"
                       f"<link rel=\"next\" href={quoteattr(self.link(category, entity['token']))}/>")
            if category in DOWNLOADABLE and entity.get("content_type") and not entity["deleted"]:
                out.append(f"<link rel=\"enclosure\" href={quoteattr(self.url + 'Resources/' + ident)}/>")
            out.append(f"<content type=\"application/xml\">{self._entity_xml(entity)}</content></entry>")
        out.append("</feed>")
        body = "".join(out)
        if self.relative_links:  # every link as a path relative to the page, which is at {url}Feed
            body = body.replace(f'href="{self.url}', 'href="')
        return Response(200, body.encode(), {"Content-Type": "application/atom+xml; charset=utf-8"})

    def _entity_xml(self, entity: dict) -> str:
        category, p = entity["category"], (self.prefix + ":" if self.prefix else "")
        name = p + element_name(category)
        ns = f'xmlns:{self.prefix}="{TK}"' if self.prefix else f'xmlns="{TK}" xmlns:tk="{TK}"'
        attrs = f'id="{entity["id"]}" {p or "tk:"}bijgewerkt="{entity["bijgewerkt"]}{self.zone}"'
        if entity["deleted"]:
            return (f'<{name} {ns} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" {attrs} '
                    f'{p or "tk:"}verwijderd="{self.deleted_word}"/>')
        attrs += f' {p or "tk:"}verwijderd="false"'
        if entity.get("content_type"):
            attrs += f' {p or "tk:"}contentType="{escape(entity["content_type"])}"'
            if entity.get("content_length") is not None:
                attrs += f' {p or "tk:"}contentLength="{entity["content_length"]}"'
        relations, fields = ELEMENTS[category]
        parts, groups = [], {}
        for rel in relations:
            for ref in entity["refs"].get(rel, []):
                if "." in rel:
                    group, inner = rel.split(".")
                    groups.setdefault(group, []).append(f'<{p}{inner} ref="{ref}"/>')
                else:
                    parts.append(f'<{p}{rel} ref="{ref}"/>')
        for group, inner in groups.items():
            parts.append(f"<{p}{group}>{''.join(inner)}</{p}{group}>")
        for field in fields:
            if field in entity["fields"]:
                value = entity["fields"][field]
                parts.append(f'<{p}{field} xsi:nil="true"/>' if value is None else f"<{p}{field}>{escape(value)}</{p}{field}>")
        return (f'<{name} {ns} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" {attrs}>'
                + "".join(parts) + f"</{name}>")

    # ------------------------------------------------------------ recorded rows
    entities_of = staticmethod(lambda category, row: entities_of(category, row))

    def add(self, row: dict, data: bytes | None = None, content_type: str | None = None, fresh: bool = True,
            length: int | None = None) -> dict:
        """Publish a recorded Document row (with its expansions) as the entities the SyncFeed has for it, its
        file served from `Resources/<id>`. `fresh`: dated today, as a document that newly appears is.
        `length`: the file's length the feed declares, for a file a renderer makes when it is asked for."""
        row = copy.deepcopy(row)
        if fresh and not row.get("Verwijderd"):
            row["Datum"] = self._clock.strftime("%Y-%m-%dT00:00:00+01:00")
        content_type = content_type or row.get("ContentType") or "application/pdf"
        if data is None:
            data = self.default_files.get(content_type, self.default_files["application/pdf"]).read_bytes()
        row["ContentType"], row["ContentLength"] = content_type, len(data) if length is None else length
        self.files[row["Id"].lower()] = (data, content_type)
        row.setdefault("HuidigeDocumentVersie", {"Id": _derived(row["Id"], "versie1"), "Versienummer": 1})
        self.publish(entities_of("Document", row))
        return row

    def publish(self, entities: list[tuple[str, dict]]) -> None:
        """Put entities from `entities_of`, parents first (as the Kamer registers a zaak before its documents)."""
        for category, entity in entities:
            self.put_entity(category, **entity)

    def revise(self, doc_id: str, data: bytes | None = None, version: int | None = None,
               publication: bytes | None = None, length: int | None = None) -> dict:
        """A new version: a new DocumentVersie, the Document pointing at it, with a new file (`data`) and, where
        the version before had KOOP's XML publication, a new one (`publication`)."""
        doc = self.entities[("Document", doc_id.lower())]
        current_id = doc["refs"].get("huidigeDocumentVersie", [""])[0]
        current = self.entities.get(("DocumentVersie", current_id))
        number = version or int((current or {}).get("fields", {}).get("versienummer") or 1) + 1
        fields = dict(current["fields"]) if current else {}
        fields["versienummer"] = str(number)
        new_id = _derived(doc_id, f"versie{number}")
        self.put_entity("DocumentVersie", new_id, fields, {"document": [doc_id]})
        if publication is not None:
            for (category, ident), old in list(self.entities.items()):
                if category == "DocumentPublicatie" and old["refs"].get("documentVersie") == [current_id] \
                        and (old["fields"].get("documentType") or "").lower() == "xml":
                    pub_id = _derived(ident, f"versie{number}")
                    self.publications[pub_id] = publication
                    self.put_entity("DocumentPublicatie", pub_id, old["fields"], {"documentVersie": [new_id]},
                                    content_type="application/xml", content_length=len(publication))
        declared = doc["content_length"]
        if data is not None:
            self.files[doc_id.lower()] = (data, doc["content_type"])
            declared = len(data)
        if length is not None:
            declared = length
        refs = {**doc["refs"], "huidigeDocumentVersie": [new_id]}
        return self.put_entity("Document", doc_id, doc["fields"], refs, content_type=doc["content_type"],
                               content_length=declared)

    def delete(self, doc_id: str) -> dict:
        return self.remove("Document", doc_id)

    def put(self, entity: str, row: dict) -> dict:
        """Publish a recorded Besluit, Stemming or Activiteit row (with its expansions) as entities."""
        self.publish(entities_of(entity, copy.deepcopy(row)))
        return row


def _first_after(tokens: list[tuple[int, str]], after: int) -> int:
    lo, hi = 0, len(tokens)
    while lo < hi:
        mid = (lo + hi) // 2
        if tokens[mid][0] <= after:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _derived(ident: str, what: str) -> str:
    """A stable id for an entity the recorded row implies but does not name."""
    return str(uuid.uuid5(uuid.UUID(ident), what))


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------- OData rows -> entities

_NAVIGATION = {  # an OData navigation property of a category -> (category it holds, how the two are linked)
    "Document": {"HuidigeDocumentVersie": ("DocumentVersie", "child:document|parent:huidigeDocumentVersie"),
                 "DocumentActor": ("DocumentActor", "child:document"),
                 "Zaak": ("Zaak", "parent:zaak"),
                 "Kamerstukdossier": ("Kamerstukdossier", "parent:kamerstukdossier")},
    "DocumentVersie": {"DocumentPublicatie": ("DocumentPublicatie", "child:documentVersie")},
    "Zaak": {"ZaakActor": ("ZaakActor", "child:zaak"), "Kamerstukdossier": ("Kamerstukdossier", "parent:kamerstukdossier"),
             "VervangenVanuit": ("Zaak", "parent:vervangenVanuit")},
    "Besluit": {"Agendapunt": ("Agendapunt", "parent:agendapunt"), "Zaak": ("Zaak", "parent:zaak"),
                "Stemming": ("Stemming", "child:besluit")},
    "Activiteit": {"Agendapunt": ("Agendapunt", "child:activiteit"), "VervangenVanuit": ("Activiteit", "ref:vervangenVanuit"),
                   "VervangenDoor": ("Activiteit", "ref-back:vervangenVanuit")},
    "Agendapunt": {"Zaak": ("Zaak", "child:agendapunt")},
}


def entities_of(category: str, row: dict, parent: tuple[str, str] | None = None) -> list[tuple[str, dict]]:
    """A recorded OData row, with what it expands, as the SyncFeed's entities: [(category, put_entity's
    arguments)], each parent before its children. Field names are the XSD's (matched case-blind to the
    OData names); `<Name>_Id` columns and expansions become `ref`s on the child, as the feed has them."""
    relations, fields = ELEMENTS[category]
    by_lower = {k.lower(): k for k in row}
    entity = {"ident": str(row["Id"]), "fields": {}, "refs": {}, "deleted": bool(row.get("Verwijderd"))}
    for name in fields:
        key = by_lower.get(name.lower())
        if key is not None and not isinstance(row[key], (dict, list)):
            entity["fields"][name] = row[key]
    navigated = {how.split("|")[-1].split(":")[1] for nav, (_, how) in _NAVIGATION.get(category, {}).items()
                 if row.get(nav) and ("parent:" in how or "ref:" in how)}
    for name in relations:
        key = by_lower.get(f"{name}_id".lower())
        if key is not None and row[key] and name not in navigated:  # the expansion, where there is one, says it
            entity["refs"].setdefault(name, []).append(str(row[key]))
    if category in DOWNLOADABLE and row.get("ContentType"):
        entity["content_type"], entity["content_length"] = row["ContentType"], row.get("ContentLength")
    if parent is not None:  # the row it is expanded in is its parent, whatever its own `_Id` column says
        link, parent_id = parent
        entity["refs"][link] = [parent_id]
    before, after = [], []
    for nav, (child_category, how) in _NAVIGATION.get(category, {}).items():
        items = row.get(nav)
        items = [items] if isinstance(items, dict) else [i for i in items or [] if isinstance(i, dict)]
        for item in items:
            if not item.get("Id"):
                continue
            for part in how.split("|"):
                kind, link = part.split(":")
                if kind == "parent":  # the row names the item: it is a parent, published first
                    entity["refs"].setdefault(link, [])
                    if str(item["Id"]) not in entity["refs"][link]:
                        entity["refs"][link].append(str(item["Id"]))
                elif kind == "ref":  # a reference to another of its kind, published on its own
                    entity["refs"].setdefault(link, []).append(str(item["Id"]))
                    item = None
                elif kind == "ref-back":  # the other one names this row (a moved Activiteit's successor)
                    item = None
            if item is None:
                continue
            if how.startswith("parent"):
                before += [(c, dict(e, merge=True)) for c, e in entities_of(child_category, item)]
            else:
                after += [(c, dict(e, merge=True)) for c, e in
                          entities_of(child_category, item, (how.split("|")[0].split(":")[1], str(row["Id"])))]
    if entity["deleted"]:
        entity = {"ident": entity["ident"], "deleted": True}
    return before + [(category, entity)] + after
