"""kind: officielebekendmakingen — KOOP's SRU service at repository.overheid.nl.

searchRetrieve with a CQL query ending in `dt.modified>=<day> sortBy dt.modified/sort.ascending`,
paged by startRecord. dt.modified is a day, so each poll re-reads the cursor's day and drops what it
read before by identifier and change stamp. As for the Tweede Kamer, the next page is asked for again
from the last day seen (keyset) rather than by position, so a record that changes while we page
cannot push another past us; startRecord goes on only within a page-full of one day.

Revisions arrive as new identifiers with a suffix (-n1 nieuwe versie, -h1 herdruk, -v1): they are
stored as the next version of their base identifier, so the diff is against the base. -b1 is an
attachment, a document of its own. Errors come back as HTTP 200 with a diagnostic: that is an error
for the source, quoted, and the cursor stays.

The parser takes what the live service may send: namespaces present or stripped, one record or many,
optional fields missing, junk before `<?xml`.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator
from urllib.parse import quote, urlencode

from ..settings import BACKLOG_MARGIN
from ..extract import MAX_BYTES, ExtractError, _xmlsafe
from .http import FetchError
from ..model import Actor, Document, Meta, Record
from ._base import Page, Source

log = logging.getLogger("watcher.officielebekendmakingen")

DEFAULT_QUERY = ('c.product-area==officielepublicaties AND (w.publicatienaam=="Kamerstuk" OR '
                 'w.publicatienaam=="Kamervragen (Aanhangsel)" OR '
                 'w.publicatienaam=="Kamervragen zonder antwoord" OR w.publicatienaam=="Handelingen")')
PAGE_SIZE = 1000  # the service's maximum
REVISION = re.compile(r"^(?P<base>.+)-(?P<letter>[nhv])(?P<number>\d+)$")
TEXT_PREFERENCE = ("xml", "html", "pdf")
# The hosts KOOP's records name for a publication's files (recorded SRU records: repository.overheid.nl/frbr/…,
# zoek.officielebekendmakingen.nl/<id>.xml): anything else a record names is not fetched.
KOOP_SITES = ("repository.overheid.nl", "zoek.officielebekendmakingen.nl", "officielebekendmakingen.nl",
              "www.officielebekendmakingen.nl")


def split_identifier(identifier: str) -> tuple[str, int, str]:
    """kst-35207-34-n1 -> (kst-35207-34, 1, "n1"); kst-35207-34 -> (kst-35207-34, 0, "")."""
    m = REVISION.match(identifier)
    if not m:
        return identifier, 0, ""
    return m.group("base"), int(m.group("number")), m.group("letter") + m.group("number")


def _local(node) -> str:
    return _xmlsafe.local(node.tag)  # lower case: names are compared case-insensitively


def _children(root, name: str) -> list:
    name = name.lower()
    return [n for n in root.iter() if _local(n) == name]


def _all_text(root, name: str) -> list[str]:
    return [n.text.strip() for n in _children(root, name) if (n.text or "").strip()]


def _first_text(root, name: str) -> str:
    return next(iter(_all_text(root, name)), "")


class SRUError(FetchError):
    pass


def parse_response(data: bytes) -> tuple[list, int | None, int | None]:
    """(record elements, numberOfRecords, nextRecordPosition). Raises SRUError on a diagnostic."""
    try:
        root = _xmlsafe.parse(data)
    except ExtractError as e:
        raise SRUError(f"the SRU answer is not usable XML: {e}") from None
    diagnostics = [n for n in root.iter() if _local(n) == "diagnostic"]
    if diagnostics:
        parts = []
        for d in diagnostics:
            message = _first_text(d, "message")
            details = _first_text(d, "details")
            uri = _first_text(d, "uri")
            parts.append(" ".join(x for x in (message, f"({details})" if details else "", f"[{uri}]" if uri else "") if x))
        raise SRUError("SRU diagnostic: " + "; ".join(parts))
    records = [n for n in root.iter() if _local(n) == "record"]
    total = _first_text(root, "numberOfRecords")
    nxt = _first_text(root, "nextRecordPosition")
    return records, int(total) if total.isdigit() else None, int(nxt) if nxt.isdigit() else None


def _party_of(names: list[str], title: str) -> dict[str, str]:
    """Parties the title states for its askers ("Vragen van het lid Van Hattem (PVV)"), by surname: the
    metadata names people without their party."""
    from ..extract._facts import askers  # its patterns cost a verb that reads no record (status, check) 18 ms

    stated = {a["name"].split()[-1].lower(): a["party"] for a in askers(title or "") if a["party"]}
    out = {}
    for person in names:
        for word in reversed(re.findall(r"[\w'’-]+", person)):
            if word.lower() in stated:
                out[person] = stated[word.lower()]
                break
    return out


class OfficieleBekendmakingen(Source):
    kind = "officielebekendmakingen"
    page_size = PAGE_SIZE

    def start(self, since: datetime) -> dict:
        since = since.astimezone(timezone.utc)
        return {"day": since.date().isoformat(), "start": (since - BACKLOG_MARGIN).isoformat(timespec="seconds")}

    def put_back(self, cursor: dict, now: datetime) -> dict:
        # The day only ever moves to upstream's own dates, but the first is ours: one in the future would
        # ask for nothing until then. A day back from now reads again what a short jump may have hidden.
        cursor = super().put_back(cursor, now)
        if cursor.get("day", "") > now.date().isoformat():
            return {**cursor, "day": (now - timedelta(days=1)).date().isoformat()}
        return cursor

    def _cql(self, day: str) -> str:
        query = self.config.options.get("query") or DEFAULT_QUERY
        return f"({query}) AND dt.modified>={day} sortBy dt.modified/sort.ascending"

    async def _page(self, day: str, start: int) -> tuple[list, int | None, int | None]:
        params = {"operation": "searchRetrieve", "version": "2.0", "query": self._cql(day),
                  "startRecord": str(start), "maximumRecords": str(self.page_size), "httpAccept": "application/xml"}
        # Percent-encoded as RFC 3986 says (a space is %20): "+" is a space only in HTML forms, and a server
        # that follows its protocol's grammar reads it as a plus (a real OData server refused every listing so).
        url = self.config.url + ("&" if "?" in self.config.url else "?") + urlencode(params, quote_via=quote)
        response = await self.http.get(url)
        return parse_response(response.content)

    async def poll(self, cursor: dict) -> AsyncIterator[Page]:
        day = cursor.get("day") or datetime.now(timezone.utc).date().isoformat()
        start, seen = 1, set()
        while True:
            elements, total, next_position = await self._page(day, start)
            records, last_day = [], day
            for element in elements:
                record = self.record(element)
                if record is None:
                    continue
                ident = f"{record.meta.aliases[0] if record.meta.aliases else record.key}@{record.stamp}"
                if ident in seen:
                    continue
                seen.add(ident)
                records.append(record)
                last_day = max(last_day, record.stamp.split("|")[0] or day)
            cursor = {**cursor, "day": last_day}
            yield Page(records, cursor, total)
            if not next_position or not elements:
                return
            if last_day == day:
                start = next_position  # a page-full of one day: only the position gets past it
            else:
                day, start = last_day, 1

    # ------------------------------------------------------------------ records
    def record(self, element) -> Record | None:
        identifier = _first_text(element, "identifier")
        if not identifier:
            return None
        base, rank, suffix = split_identifier(identifier)
        title = _first_text(element, "title")
        types = {n.get("scheme", ""): (n.text or "").strip() for n in _children(element, "type")}
        publicatienaam = _first_text(element, "publicatienaam")
        indieners = _all_text(element, "indiener")
        ontvangers = _all_text(element, "ontvanger")
        parties = _party_of(indieners, title)
        actors = [Actor(name=n, role="Indiener", party=parties.get(n, "")) for n in indieners]
        actors += [Actor(name=n, role="Ontvanger") for n in ontvangers]
        dossiers = []
        for value in _all_text(element, "dossiernummer"):
            dossiers += [d.strip() for d in value.split(";") if d.strip()]
        zaken = [{"nummer": v, "soort": "vraag"} for v in _all_text(element, "vraagnummer")]
        items = {n.get("manifestation", ""): (n.text or "").strip() for n in _children(element, "itemUrl")}
        preferred = _first_text(element, "preferredUrl")
        links = {}
        if preferred:
            links["officielebekendmakingen.nl"] = preferred
        if items.get("pdf"):
            links["pdf"] = items["pdf"]
        modified = _first_text(element, "modified")
        changed = _first_text(element, "datumTijdstipWijzigingExpression") or _first_text(element, "timestamp")
        meta = Meta(
            soort=types.get("OVERHEIDop.Parlementair") or publicatienaam or next(iter(types.values()), ""),
            titel=title, onderwerp=_first_text(element, "abstract"),
            datum=_first_text(element, "date") or _first_text(element, "issued") or _first_text(element, "available"),
            vergaderjaar=_first_text(element, "vergaderjaar"), zaken=zaken, dossiers=dossiers, actors=actors,
            aliases=[identifier] if identifier != base else [], links=links,
        )
        version = suffix or _first_text(element, "hasVersion") or "1"
        record = Record(key=base, source=self.name, version=version, meta=meta,
                        stamp=f"{modified}|{identifier}|{changed}",
                        fingerprint=f"{identifier}@{_first_text(element, 'datumTijdstipWijzigingExpression')}",
                        rank=rank, spec={"items": items})
        if not indieners and items.get("metadata") and _first_text(element, "publicatienaam").startswith("Kamervragen"):
            record.complete_from = items["metadata"]
        return record

    def file(self, spec: dict):
        return self._fetcher(**spec)

    def _sites(self) -> tuple[str, ...]:
        """Where KOOP's records may send watcher for a file: the SRU service's own origin and KOOP's sites."""
        return (self.config.url, *KOOP_SITES)

    def _fetcher(self, items: dict):
        async def fetch() -> Document:
            problems = []
            for manifestation in TEXT_PREFERENCE:
                url = items.get(manifestation)
                if not url:
                    continue
                try:
                    response = await self.http.get(url, max_bytes=MAX_BYTES, within=self._sites())
                    return await self.extractor(response.content, response.headers.get("content-type", ""), url)
                except (FetchError, ExtractError) as e:
                    problems.append(f"{manifestation}: {e}")
            raise FetchError("no usable manifestation" + (f" ({'; '.join(problems)})" if problems else ""))
        return fetch

    async def complete(self, record: Record) -> None:
        """Indieners and ontvanger from metadata.xml, where the SRU record did not carry them."""
        if not record.complete_from:
            return
        response = await self.http.get(record.complete_from, within=self._sites())
        try:
            root = _xmlsafe.parse(response.content)
        except ExtractError as e:
            raise FetchError(f"metadata.xml of {record.key}: {e}") from None
        values: dict[str, list[str]] = {}
        for node in root.iter():
            name = (node.get("name") or "").split(".")[-1]
            if name and node.get("content"):
                values.setdefault(name, []).append(node.get("content").strip())
        indieners = values.get("indiener", [])
        parties = _party_of(indieners, record.meta.titel)
        record.meta.actors = ([Actor(n, "Indiener", parties.get(n, "")) for n in indieners]
                              + [Actor(n, "Ontvanger") for n in values.get("ontvanger", [])])
        for value in values.get("dossiernummer", []):
            record.meta.dossiers += [d.strip() for d in value.split(";") if d.strip()]
