"""kind: tweedekamer — the Tweede Kamer's open data (Gegevensmagazijn), OData v4.

Polls `Document` on ApiGewijzigdOp (when a change became visible in the API), with DocumentActor,
the current version and its publications, the Zaak with its actors and the Kamerstukdossier expanded,
so one row tells everything a watchlist needs. Paging is by keyset (`_odata.py` says why).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator

from ...compare import BACKLOG_MARGIN
from ...config import parse_duration
from ...extract import MAX_BYTES, ExtractError
from ...http import FetchError, TooLarge
from ...model import Actor, Document, Meta, Record, StoredDocument
from .._base import Page, Source
from .._odata import dossier_numbers, get_page, keyset_pages, newest_stamp, read_from, stamp_key
from ..tweedekamer_agenda import Agenda
from ..tweedekamer_votes import Votes

log = logging.getLogger("watcher.tweedekamer")

# VervangenVanuit: the zaken a zaak replaces (a gewijzigde motie is a new zaak, not a new version); the
# recorded $metadata has it as a Collection(Zaak) navigation of Zaak.
EXPAND = ("DocumentActor,HuidigeDocumentVersie($expand=DocumentPublicatie),"
          "Zaak($expand=ZaakActor,VervangenVanuit),Kamerstukdossier")
PAGE_URL = "https://www.tweedekamer.nl/kamerstukken/detail?id={zaak}&did={nummer}"
KOOP_URL = "https://zoek.officielebekendmakingen.nl/{identifier}.html"
OVERLAP = timedelta(minutes=10)


def _soorten(value) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) and s.strip() for s in items):
        raise ValueError("expected a list of document kinds, e.g. [\"Motie\", \"Brief regering\"]")
    return tuple(s.strip() for s in items)


EVENTS = ("documents", "votes", "agenda")


def _events(value) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(e, str) and e.strip() in EVENTS for e in items):
        raise ValueError(f"expected a list of {', '.join(EVENTS)} (the default is all three)")
    return tuple(dict.fromkeys(e.strip() for e in items))


def _number(value) -> int:
    """A row's Volgnummer: the API sends -1 (recorded) or null where there is none."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _text(value) -> str:
    return "" if value is None else str(value)


class TweedeKamer(Source):
    kind = "tweedekamer"
    default_url = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/"
    options = {"soorten": _soorten, "overlap": parse_duration, "events": _events}

    @property
    def events(self) -> tuple[str, ...]:
        return self.config.options.get("events") or EVENTS

    @property
    def documents(self) -> bool:
        return "documents" in self.events

    def streams(self) -> list:
        kinds = {"votes": Votes, "agenda": Agenda}
        return [kinds[e](self) for e in self.events if e in kinds]

    @property
    def overlap(self) -> float:
        """Seconds read again behind the cursor: a change becomes visible in the API a little after its stamp."""
        return self.config.options.get("overlap") or OVERLAP.total_seconds()

    @property
    def base(self) -> str:
        return self.config.url if self.config.url.endswith("/") else self.config.url + "/"

    def start(self, since: datetime) -> dict:
        since = since.astimezone(timezone.utc)
        return {"stamp": stamp_key(since.strftime("%Y-%m-%dT%H:%M:%SZ")),
                "start": (since - BACKLOG_MARGIN).isoformat(timespec="seconds")}

    def _filter(self, stamp: str) -> str:
        clause = f"ApiGewijzigdOp ge {stamp}"  # a stamp_key is a valid OData DateTimeOffset literal
        soorten = self.config.options.get("soorten")
        if soorten:
            kinds = " or ".join("Soort eq '{}'".format(s.replace("'", "''")) for s in soorten)
            # Deletions arrive as tombstones with no Soort: keep them in.
            clause += f" and ({kinds} or Verwijderd eq true)"
        return clause

    async def _page(self, url: str, params: dict | None) -> dict:
        return await get_page(self.http, url, params)

    async def baseline(self, now: datetime) -> dict:
        """A new install starts after the newest change the API shows: one small request, which also proves
        the URL right before a baseline is recorded. Upstream's own stamp, not our clock: a clock that runs
        ahead of the API's would skip what changed in between."""
        newest = await newest_stamp(self.http, self.base, "Document")
        stamp = newest or stamp_key(now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        # Everything at or before the newest stamp was there before us: the overlap window never reads it
        # as news. With nothing there (a `soorten` filter that matches nothing yet) nothing is old, and the
        # overlap also covers a clock of ours that runs ahead of the API's.
        return {"stamp": stamp, "floor": newest,
                "start": (now.astimezone(timezone.utc) - BACKLOG_MARGIN).isoformat(timespec="seconds")}

    async def poll(self, cursor: dict) -> AsyncIterator[Page]:
        stamp = cursor.get("stamp", "")
        known_up_to = cursor.get("floor", "")  # the baseline: what was there before the first run
        async for rows, last, total in keyset_pages(self._page, self.base, "Document", self._filter,
                                                    read_from(stamp, self.overlap, known_up_to), EXPAND, count=True):
            records = []
            for row_stamp, row in rows:
                if known_up_to and row_stamp <= known_up_to:
                    continue
                record = self.record(row)
                if record is not None:
                    records.append(record)
            cursor = {**cursor, "stamp": max(stamp, last)}
            yield Page(records, cursor, total)

    # ---------------------------------------------------------------- rows -> records
    def record(self, row: dict) -> Record | None:
        doc_id = row.get("Id")
        if not doc_id:
            return None  # a placeholder row: nothing to go by
        stamp = stamp_key(row.get("ApiGewijzigdOp"))
        nummer = row.get("DocumentNummer")
        if row.get("Verwijderd") is True:
            # Tombstones carry only Id: the store knows the document under its Id as an alias.
            return Record(key=nummer or f"tk-id:{doc_id}", source=self.name, stamp=stamp, deleted=True)
        if not nummer:
            return None  # all null: a placeholder, not a document
        version = row.get("HuidigeDocumentVersie") or {}
        zaken = [z for z in row.get("Zaak") or [] if isinstance(z, dict) and not z.get("Verwijderd")]
        actors = [Actor(name=_text(a.get("ActorNaam")), role=_text(a.get("Relatie")),
                        party=_text(a.get("ActorFractie")), on="document")
                  for a in row.get("DocumentActor") or [] if isinstance(a, dict) and not a.get("Verwijderd")]
        for zaak in zaken:
            actors += [Actor(name=_text(a.get("ActorNaam")), role=_text(a.get("Relatie")),
                             party=_text(a.get("ActorFractie")), on="zaak")
                       for a in zaak.get("ZaakActor") or [] if isinstance(a, dict) and not a.get("Verwijderd")]
        dossiers = dossier_numbers(row.get("Kamerstukdossier"))
        external = _text(version.get("ExterneIdentifier"))
        first_zaak = _text(zaken[0].get("Nummer")) if zaken else nummer
        links = {"tweedekamer.nl": PAGE_URL.format(zaak=first_zaak, nummer=nummer),
                 "bestand": f"{self.base}Document({doc_id})/resource"}
        if external:
            links["officielebekendmakingen.nl"] = KOOP_URL.format(identifier=external)
        meta = Meta(
            soort=_text(row.get("Soort")), titel=_text(row.get("Titel")), onderwerp=_text(row.get("Onderwerp")),
            datum=_text(row.get("Datum")), vergaderjaar=_text(row.get("Vergaderjaar")),
            # GestartOp: when the zaak began (a written question: when it was put), in the recorded rows.
            zaken=[{"nummer": _text(z.get("Nummer")), "soort": _text(z.get("Soort")),
                    **({"gestart": _text(z.get("GestartOp"))[:10]} if z.get("GestartOp") else {})} for z in zaken],
            dossiers=dossiers, actors=actors,
            aliases=[f"tk-id:{doc_id}"] + ([external] if external else [])
                    # A motie or amendement is found by its zaak, for the one that replaces it.
                    + [f"zaak:{_text(z.get('Nummer'))}" for z in zaken if z.get("Nummer")], links=links,
            vervangt=[_text(v.get("Nummer")) for z in zaken for v in z.get("VervangenVanuit") or []
                      if isinstance(v, dict) and v.get("Nummer")],
            volgnummer=_number(row.get("Volgnummer")),
        )
        version_no = _text(version.get("Versienummer"))
        length = row.get("ContentLength")
        publication = next((p for p in version.get("DocumentPublicatie") or []
                            if isinstance(p, dict) and _text(p.get("DocumentType")).lower() == "xml"
                            and not p.get("Verwijderd") and p.get("Id")), None)
        return Record(key=nummer, source=self.name, version=version_no, meta=meta, stamp=stamp,
                      fingerprint=f"v{version_no}:{length}",
                      **self.file_of({"doc_id": doc_id, "content_type": row.get("ContentType"), "length": length,
                                      "publication": publication}))

    def file(self, spec: dict):
        return self._fetcher(**spec)

    def _fetcher(self, doc_id: str, content_type, length, publication: dict | None):
        async def fetch() -> Document:
            if publication is not None:
                # KOOP's XML of this version carries the structure (vraag/antwoord): prefer it.
                url = f"{self.base}DocumentPublicatie({publication['Id']})/Resource"
                try:
                    return await self._download(url, "application/xml", publication.get("ContentLength"))
                except (FetchError, ExtractError) as e:
                    log.info("%s: publication XML not usable (%s); taking the file", doc_id, e)
            return await self._download(f"{self.base}Document({doc_id})/resource", content_type, length)
        return fetch

    async def _download(self, url: str, content_type, length) -> Document:
        if isinstance(length, int) and length > MAX_BYTES:
            raise TooLarge(f"{url}: the API says {length:,} bytes, over the {MAX_BYTES:,}-byte limit: not downloaded")
        response = await self.http.get(url, max_bytes=MAX_BYTES)
        data = response.content
        if isinstance(length, int) and length > 0 and len(data) != length:
            raise FetchError(f"{url}: got {len(data):,} bytes, ContentLength says {length:,} (cut off?)")
        return await self.extractor(data, response.headers.get("content-type") or _text(content_type), url)

    async def refetch(self, stored: StoredDocument) -> Record | None:
        tk_id = next((a[6:] for a in stored.meta.aliases if a.startswith("tk-id:")), None)
        if not tk_id:
            return None
        url = f"{self.base}Document({tk_id})"
        try:
            response = await self.http.get(url, params={"$expand": EXPAND}, headers={"Accept": "application/json"})
            row = response.json()
        except (FetchError, ValueError) as e:
            log.info("%s: retry of %s failed: %s", self.name, stored.key, e)
            return None
        return self.record(row) if isinstance(row, dict) else None
