"""kind: feed — any RSS or Atom feed (a zoek.officielebekendmakingen.nl search, a ministry's news).

Each item is a document keyed by its guid or link; the item's page is fetched and its main text
extracted. The feed is fetched with If-None-Match / If-Modified-Since, so an unchanged feed costs one
304. A feed has no cursor to poll from: the first poll after a `since: now` start takes the items
already there as known, without alerts.
"""

from __future__ import annotations

import calendar
import html
import hashlib
import logging
import re
from datetime import datetime, timezone
from typing import AsyncIterator
from urllib.parse import urlsplit


from ..extract import MAX_BYTES, ExtractError
from .http import FetchError
from ..model import Document, Meta, Record
from ._base import Page, Source

log = logging.getLogger("watcher.feed")

# zoek.officielebekendmakingen.nl/<identifier>.html is the KOOP publication <identifier>.
KOOP_PAGE = re.compile(r"^/(?P<id>[a-z]+(?:-[a-z]+)?-[\w-]+?)(?:\.html)?$")


def _own(entry, name: str):
    """A field the entry really has (feedparser's get() maps updated <-> published, with a warning)."""
    return dict.get(entry, name)


def _when(entry) -> datetime | None:
    parsed = _own(entry, "published_parsed") or _own(entry, "updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc) if parsed else None


def _plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html or "").split())


_IDENTIFIER_AND_ORGANISATION = re.compile(r"^[a-z]+(?:-[\w.]+)+ : \S.*$")


class Feed(Source):
    kind = "feed"

    def start(self, since: datetime) -> dict:
        return {"start": since.astimezone(timezone.utc).isoformat(timespec="seconds"), "primed": False}

    async def poll(self, cursor: dict) -> AsyncIterator[Page]:
        headers = {}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("last_modified"):
            headers["If-Modified-Since"] = cursor["last_modified"]
        response = await self.http.get(self.config.url, headers=headers, ok=(200, 304))
        if response.status_code == 304:
            yield Page([], cursor)
            return
        import feedparser  # here: only a feed source's poll needs it

        parsed = feedparser.parse(response.content, response_headers={
            k.lower(): v for k, v in response.headers.items() if k.lower() in ("content-type", "content-location")})
        if parsed.bozo and not parsed.entries:
            raise FetchError(f"not a feed at {self.config.url}: {parsed.get('bozo_exception')}")
        start = datetime.fromisoformat(cursor["start"]) if cursor.get("start") else None
        first = not cursor.get("primed", True)
        records = []
        for entry in parsed.entries:
            record = self.record(entry)
            if record is None:
                continue
            when = _when(entry)
            # The first look at a feed after a "now" start: what is already there is not news.
            record.backlog = first and (when is None or (start is not None and when < start))
            records.append(record)
        cursor = {**cursor, "primed": True, "etag": response.headers.get("ETag", ""),
                  "last_modified": response.headers.get("Last-Modified", "")}
        yield Page(records, cursor, len(records))

    def record(self, entry) -> Record | None:
        link = entry.get("link") or ""
        key = entry.get("id") or link
        if not key:
            return None
        summary = _plain(entry.get("summary", ""))
        when = _when(entry)
        aliases = []
        parts = urlsplit(link)
        if parts.hostname == "zoek.officielebekendmakingen.nl":
            m = KOOP_PAGE.match(parts.path)
            if m:
                aliases.append(m.group("id"))
        title = _plain(entry.get("title", ""))
        if _IDENTIFIER_AND_ORGANISATION.match(title) and summary:
            # zoek.officielebekendmakingen.nl titles an item "kst-99999-7 : Tweede Kamer der Staten-Generaal";
            # what the publication is called stands in its description.
            title = summary
        meta = Meta(soort=(entry.get("tags") or [{}])[0].get("term", "") if entry.get("tags") else "",
                    titel=title, onderwerp=summary,
                    datum=when.isoformat() if when else "", aliases=aliases,
                    links={urlsplit(link).hostname or "link": link} if link else {})
        stamp = _own(entry, "updated") or _own(entry, "published") or hashlib.sha256(
            (meta.titel + summary).encode()).hexdigest()[:16]
        return Record(key=key, source=self.name, meta=meta, stamp=stamp, spec={"link": link, "summary": summary})

    def file(self, spec: dict):
        return self._fetcher(**spec)

    def _fetcher(self, link: str, summary: str):
        async def fetch() -> Document:
            if link:
                try:
                    # An item's page is read only on the feed's own site (or a host the operator listed).
                    response = await self.http.get(link, max_bytes=MAX_BYTES, within=(self.config.url,))
                    return await self.extractor(response.content, response.headers.get("content-type", ""), link)
                except (FetchError, ExtractError) as e:
                    if not summary:
                        raise
                    log.info("%s: page %s not usable (%s); taking the feed's summary", self.name, link, e)
            from ..extract.html import extract_html
            return extract_html(f"<p>{html.escape(summary)}</p>".encode())
        return fetch
