"""The SyncFeed 2.0 client: pages of one category, where its head is, where a date lies, one entity by id.

What is known of the feed, and from where (DESIGN.md has the sources; tkconv's `tkgetxml.cc`,
parlementaire-monitor's `SyncFeedTask.kt` and djosh34/opentk's `docs/` read it the same way):
- `Feed?category=<C>[&skiptoken=<n>]` is Atom, 250 entries a page, each entry an entity of C (in its
  `content`), its `updated` time, a `rel="next"` link with the skiptoken just after it, and for a
  downloadable entity a `rel="enclosure"` link to its file.
- The skiptoken is one counter over every category; the log is compacted, so an entity appears once, at
  its latest change. The last entry's `next` is where to go on from: the cursor, kept as the link it is.
- Caught up is an empty page with a feed-level `rel="resume"` link; a skiptoken above the head gives the
  same. There is no "since": the head is found by bisection on the skiptoken, a date by bisection on
  the entries' `updated` times, never by reading history.
- `Entiteiten/<id>` answers one entity, bare (not in an Atom entry).

A link upstream gives (next, resume, enclosure) is followed only within the configured origin and path:
a spoofed answer must not send watcher elsewhere.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from ..http import HTTP, FetchError
from .entities import Entity, EntityError, local, parse, stamp_key
from .kind import SKIPTOKEN, DEFAULT_BASE, skiptoken_of, where

log = logging.getLogger("watcher.tweedekamer")

ATOM = "http://www.w3.org/2005/Atom"
FIRST_GUESS = 1 << 24  # where the bisection for the head starts (the counter passed 25 million in 2026)


class _Unreadable(Exception):
    """An answer that is not XML (lxml's XMLSyntaxError, said in the message)."""


@functools.cache
def _parser():
    from lxml import etree  # here, where a page is read: a verb that reads none (status, check) never pays for it

    return etree, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                  remove_comments=True, remove_pis=True)


def _xml(data: bytes):
    etree, parser = _parser()
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise _Unreadable(str(e)) from None


class FeedError(FetchError):
    """A page or entity that is not what the SyncFeed sends: the message names the category and skiptoken."""


@dataclass
class Entry:
    """One entry of a feed page: its entity, and the link to the feed after it."""

    entity: Entity
    next: str  # the link to the feed after this entry
    skiptoken: int
    updated: str  # sortable UTC, "" when the entry has none


@dataclass
class FeedPage:
    """One page of a category's feed, and where to ask next."""

    url: str
    entries: list[Entry]
    next: str = ""  # feed-level: more after this page
    resume: str = ""  # feed-level: caught up, ask here later

    @property
    def last(self) -> bool:
        """Nothing after this page (yet)."""
        return not self.entries or not self.next


class SyncFeed:
    def __init__(self, http: HTTP, base: str = DEFAULT_BASE):
        self.http = http
        self.base = base if base.endswith("/") else base + "/"
        parts = urlsplit(self.base)
        self._origin = (parts.scheme, parts.netloc.lower())
        self._feed_path = parts.path + "Feed"
        self.requests = 0  # listings and entities asked, for a bench and the log

    # ------------------------------------------------------------ links
    def url(self, category: str, skiptoken: int | None = None) -> str:
        query = {"category": category}
        if skiptoken is not None:
            query["skiptoken"] = str(skiptoken)
        return f"{self.base}Feed?{urlencode(query)}"

    def check(self, link: str, category: str, what: str) -> str:
        """A link from upstream, if it stays on this feed and this category; FeedError otherwise."""
        parts = urlsplit(link)
        query = parse_qs(parts.query)
        if (parts.scheme, parts.netloc.lower()) != self._origin or parts.path != self._feed_path:
            raise FeedError(f"{category}: the feed's {what} link leads elsewhere ({link[:160]}): not followed")
        if [c.lower() for c in query.get("category", [category])] != [category.lower()]:
            raise FeedError(f"{category}: the feed's {what} link is for another category ({link[:160]})")
        if skiptoken_of(link) is None:
            raise FeedError(f"{category}: the feed's {what} link has no skiptoken ({link[:160]})")
        return link

    def check_file(self, link: str) -> str:
        """A file link (enclosure) from upstream, if it stays on this service."""
        parts = urlsplit(link)
        if (parts.scheme, parts.netloc.lower()) != self._origin or not parts.path.startswith(urlsplit(self.base).path):
            raise FeedError(f"a file link leads elsewhere ({link[:160]}): not fetched")
        return link

    # ------------------------------------------------------------ reading
    async def page(self, category: str, url: str | None = None) -> FeedPage:
        url = url or self.url(category)
        self.requests += 1
        response = await self.http.get(url, headers={"Accept": "application/atom+xml, application/xml"})
        return self.parse_page(response.content, url, category)

    def parse_page(self, data: bytes, url: str, category: str) -> FeedPage:
        named = where(url, category)
        try:
            root = _xml(data)
        except _Unreadable as e:
            raise FeedError(f"{named}: the answer is not XML ({e})") from None
        if root.tag != f"{{{ATOM}}}feed":
            raise FeedError(f"{named}: the answer is not an Atom feed (<{local(root.tag)}>)")
        links = _links(root, url)
        page = FeedPage(url, [], next=links.get("next", ""), resume=links.get("resume", ""))
        if page.next:
            self.check(page.next, category, "next")
        if page.resume:
            self.check(page.resume, category, "resume")
        entries = root.findall(f"{{{ATOM}}}entry")
        checked = ""  # a link checked whole: the others of the page differ from it only in their skiptoken
        for i, node in enumerate(entries):
            entry_links = _links(node, url)
            link = entry_links.get("next") or (page.next if i == len(entries) - 1 else "")
            if not link:
                raise FeedError(f"{named}: entry {i + 1} has no next link")
            if not (checked and SKIPTOKEN.sub("", link) == checked):
                self.check(link, category, "next")
                checked = SKIPTOKEN.sub("", link)
            content = node.find(f"{{{ATOM}}}content")
            element = next((c for c in content if isinstance(c.tag, str)), None) if content is not None else None
            if element is None:
                raise FeedError(f"{named}: entry {i + 1} carries no entity")
            try:
                entity = parse(element, enclosure=entry_links.get("enclosure", ""))
                updated = stamp_key(node.findtext(f"{{{ATOM}}}updated") or "")
            except (EntityError, ValueError) as e:
                raise FeedError(f"{named}: entry {i + 1}: {e}") from None
            if entity.category != category:
                raise FeedError(f"{named}: entry {i + 1} is a {entity.category}, not a {category}")
            page.entries.append(Entry(entity, link, skiptoken_of(link), updated))
        if not page.entries and not page.resume:
            raise FeedError(f"{named}: an empty page without a resume link (the feed may be down)")
        return page

    async def entity(self, ident: str) -> Entity | None:
        """One entity as it is now (`Entiteiten/<id>`), or None when the feed does not know it (yet)."""
        if not re.fullmatch(r"[0-9a-fA-F-]{36}", ident):
            raise FeedError(f"not an entity id: {ident[:60]!r}")
        self.requests += 1
        url = f"{self.base}Entiteiten/{ident}"
        response = await self.http.get(url, headers={"Accept": "application/xml"}, ok=(200, 404))
        if response.status_code == 404:
            return None
        try:
            return parse(_xml(response.content))
        except (_Unreadable, EntityError) as e:
            raise FeedError(f"entity {ident}: not readable ({e})") from None

    # ------------------------------------------------------------ where to start
    async def head(self, category: str, guess: int = FIRST_GUESS) -> str:
        """The cursor at the head of a category: the `next` of its newest entry ("" when it has none).

        Bisection on the skiptoken: a page above the head is empty, a page that ends without a feed-level
        `next` holds the head. Only a real entry's link is ever returned: a guess above the head, kept as a
        cursor, would skip everything until the counter passed it. Entries that arrive meanwhile are after
        the head found, so they are read as news, never skipped.
        """
        cursor, _ = await self._head(category, guess)
        return cursor

    async def _head(self, category: str, guess: int) -> tuple[str, FeedPage | None]:
        """The head's cursor and the page that holds it."""
        lo, hi, probe = 0, None, max(guess, 1)
        last_seen, last_page = "", None  # the newest entry seen so far, and its page
        while hi is None or hi - lo > 1:
            # Doubling until a page is empty, then halving between the newest entry seen and that page.
            token = probe if hi is None else (lo + hi) // 2
            page = await self.page(category, self.url(category, token))
            if not page.entries:
                hi = token
            elif page.last:
                return page.entries[-1].next, page
            else:
                lo, last_seen, last_page = page.entries[-1].skiptoken, page.entries[-1].next, page
                probe = max(probe * 2, lo * 2)
        # Nothing after hi; after lo at most the entry at hi itself, which only a page from lo shows.
        page = await self.page(category, self.url(category, lo) if lo else None)
        return (page.entries[-1].next, page) if page.entries else (last_seen, last_page)

    async def start_at(self, category: str, moment: str, guess: int = FIRST_GUESS) -> str:
        """The cursor of a new install (`since: now`): at the head, but before what changed after `moment`
        (sortable UTC, when watcher started). What arrives while the head is looked for is news then, not
        counted among what was there before: the search takes a dozen requests, and the Kamer goes on."""
        cursor, page = await self._head(category, guess)
        if page is None:
            return cursor
        before = [e for e in page.entries if e.updated and e.updated < moment]
        if len(before) == len(page.entries):
            return cursor  # the usual case: nothing newer than the start
        if before:
            return before[-1].next
        return await self.at_time(category, moment, below=page.entries[0].skiptoken)

    async def at_time(self, category: str, moment: str, guess: int = FIRST_GUESS, below: int | None = None) -> str:
        """The cursor just before the first entry updated at or after `moment` (sortable UTC): a `since:`
        date as a place in the feed. "" means from the start. The head bounds the search (`below`, when
        it is known; else looked for, only when the moment lies past the first page)."""
        first = await self.page(category)
        if not first.entries or (first.entries[0].updated or "") >= moment:
            return ""  # it all lies after the moment: from the start
        before = [e for e in first.entries if e.updated and e.updated < moment]
        if len(before) < len(first.entries) or first.last:
            return before[-1].next
        lo = first.entries[-1].skiptoken
        hi = below if below is not None else skiptoken_of(await self.head(category, guess)) or 0
        found = first.entries[-1].next
        while hi - lo > 1:
            mid = (lo + hi) // 2
            page = await self.page(category, self.url(category, mid))
            if not page.entries:
                hi = mid
                continue
            before = [e for e in page.entries if e.updated and e.updated < moment]
            if not before:
                hi = mid  # everything from here on is after the moment
            elif len(before) < len(page.entries):
                return before[-1].next  # the moment lies in this page
            else:
                lo, found = page.entries[-1].skiptoken, page.entries[-1].next
        return found


def _links(node, against: str) -> dict[str, str]:
    """The links of a feed or an entry by rel, each resolved against the page's URL (a relative link is
    the server's to write: "Feed?category=Zaak&skiptoken=5" is asked from where the page came, then checked)."""
    out = {}
    for link in node.findall(f"{{{ATOM}}}link"):
        rel, href = link.get("rel") or "alternate", (link.get("href") or "").strip()
        if href and rel not in out:
            out[rel] = urljoin(against, href)
    return out
