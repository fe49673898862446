"""Bringing the mirror up to date: each category this source reads, from its cursor to its head.

Categories are read side by side (HTTP keeps 8 requests in flight to one host); the pages of one category
in order, each page's entities and the category's cursor written together under the page lock, so a kill
mid-page reads that page again and nothing twice. A category that fails is named with its skiptoken and
left where it was; the others go on.

Where a category starts the first time:
- at its head (found by bisection): a new install alerts on what changes from now on;
- at the date of `since:` (found by bisection on the entries' times), for a backfill;
- Zaak, ZaakActor, DocumentActor, Agendapunt and Activiteit a warm-up window earlier (`warmup:`,
  default 90 days), read silently into the mirror: an answer arriving next month to a question put last
  month still knows who asked it (the askers are ZaakActors of the question's zaak, and no document names
  them), a revised document its signers, and a vote the meeting it was held in;
- Fractie and Persoon from the start of the feed: the names of every party and member (small: a few
  thousand entities).
An install upgraded from the OData source starts every category at its head, whatever `since:` says: what
it stored then is kept, and nothing is read twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from ..http import FetchError
from .._base import Refresh
from .entities import Entity, stamp_key
from .feed import FIRST_GUESS, FeedError, SyncFeed
from .kind import skiptoken_of, where
from .mirror import Mirror

log = logging.getLogger("watcher.tweedekamer")

# Read from the feed's start (silently: what came before is known, not news), being small: the names, and the
# register of toezeggingen (about 5,900), so `watcher toezeggingen` lists the open ones from before watcher too.
FROM_START = ("Fractie", "Persoon", "Toezegging")
WARM = ("Zaak", "ZaakActor", "DocumentActor", "Agendapunt", "Activiteit")
WARMUP = timedelta(days=90)
FETCHES_PER_CYCLE = 400  # Entiteiten look-ups a cycle: a flood of unknown parents waits for the next one
WARMUP_PAGES = 20  # pages a cycle of a category's warm-up: at 15 s a page (Zaak), five minutes


class Sync:
    def __init__(self, name: str, feed: SyncFeed, mirror: Mirror, store, warmup: timedelta = WARMUP):
        self.name = name
        self.feed = feed
        self.mirror = mirror
        self.store = store
        self.warmup = warmup
        self._head_hint = 0  # the highest head found this run: where the next bisection starts
        self.tried: set[tuple[str, str]] = set()  # parents asked for by id this cycle
        self.absent: set[tuple[str, str]] = set()  # ... that the feed did not have

    def cursor_name(self, category: str) -> str:
        return f"{self.name}/feed {category}"

    async def run(self, wanted: tuple[str, ...], applying, stopping, since: datetime | None,
                  upgraded: bool, now: datetime) -> Refresh:
        """Every wanted category to its head, until `stopping()`. Ready when each got there or failed."""
        refresh = Refresh()
        self.tried, self.absent = set(), set()

        async def one(category: str) -> None:
            try:
                if not await self._category(category, applying, stopping, since, upgraded, now, refresh):
                    refresh.ready = False
            except (FetchError, ValueError) as e:
                # A FeedError names the category and skiptoken already; anything else is named here.
                state = self.store.cursor(self.cursor_name(category)) or {}
                message = str(e) if isinstance(e, FeedError) else f"{where(state.get('next', ''), category)}: {e}"
                refresh.errors.append(message)
                log.error("%s: %s; the cursor stays, the other categories go on", self.name, message)

        import asyncio  # here: the verbs that read no feed (`status`, `check`) do not pay for it

        try:
            async with asyncio.TaskGroup() as group:
                for category in wanted:
                    group.create_task(one(category))
        except ExceptionGroup as e:
            raise e.exceptions[0] from None  # the store's trouble (a full disk) as the engine knows it
        return refresh

    async def _category(self, category, applying, stopping, since, upgraded, now, refresh) -> bool:
        """Read one category to its head; False when the time ran out first. A category still reading its
        warm-up (what came before the start, read silently) reads WARMUP_PAGES a cycle and holds nothing
        back: at the live pace a warm-up takes more than an hour (README), and what is news meanwhile is told meanwhile (a member
        the warm-up had not reached yet is told as a metadata change once it has)."""
        state = self.store.cursor(self.cursor_name(category))
        if state is None:
            state = {"next": await self._start(category, since, upgraded, now)}
            if category in WARM or category in FROM_START:
                # Read before the start to know the context of what comes after it: not news itself.
                state["silent_before"] = _stamp(min(since or now, now))
            async with applying():
                self.store.set_cursor(self.cursor_name(category), state)
        url = state.get("next") or None
        pages = 0
        while True:
            if "silent_before" in state and pages >= WARMUP_PAGES:
                return True
            if stopping():
                return "silent_before" in state
            pages += 1
            page = await self.feed.page(category, url)
            if page.entries or page.last != state.get("head"):
                async with applying():
                    before = state.get("silent_before", "")
                    silent = frozenset(e.entity.id for e in page.entries if before and e.updated and e.updated < before)
                    refresh.changed += self.mirror.apply([e.entity for e in page.entries], silent)
                    url = page.entries[-1].next if page.entries else url
                    # `head`: read to the head at the last look (for `watcher status`).
                    state = {**state, "next": url or "", "head": page.last}
                    if before and page.entries and page.entries[-1].updated >= before:
                        state.pop("silent_before")  # past the start: from here on, what changes is news
                    self.store.set_cursor(self.cursor_name(category), state)
                    if page.entries:
                        # Durable page by page: a catch-up of hours killed half-way goes on from there.
                        # Under the page lock, the pages of other categories are whole too.
                        self.store.flush()
                refresh.entities += len(page.entries)
            if page.last:
                return True

    async def _start(self, category: str, since: datetime | None, upgraded: bool, now: datetime) -> str:
        """Where a category is first read from (see the module's docstring)."""
        if category in FROM_START:
            return ""
        moment = None if upgraded else since
        if category in WARM:
            moment = min(moment or now, now) - self.warmup
        guess = self._head_hint or FIRST_GUESS
        if moment is None:
            place = await self.feed.start_at(category, _stamp(now), guess)
            log.info("%s: %s starts at its head (%s)", self.name, category, where(place, category))
        else:
            place = await self.feed.at_time(category, _stamp(moment), guess)
            log.info("%s: %s starts at %s (%s)", self.name, category, moment.date(), where(place, category))
        token = skiptoken_of(place) or 0
        self._head_hint = max(self._head_hint, token + 1)  # the counter is one over all categories
        return place

    # ------------------------------------------------------------ parents
    async def fetch_missing(self, missing: list[tuple[str, str]], applying) -> int:
        """Fetch parents the mirror lacks from Entiteiten/<id> and keep them. Returns how many came."""
        room = FETCHES_PER_CYCLE - len(self.tried)
        wanted = [m for m in dict.fromkeys(missing) if m not in self.tried][:max(room, 0)]
        if not wanted:
            return 0
        found: list[Entity] = []

        async def one(category: str, ident: str) -> None:
            entity = await self.feed.entity(ident)
            self.tried.add((category, ident))
            if entity is not None and entity.category == category:
                found.append(entity)
            else:
                self.absent.add((category, ident))

        import asyncio

        try:
            async with asyncio.TaskGroup() as group:
                for category, ident in wanted:
                    group.create_task(one(category, ident))
        except ExceptionGroup as e:
            raise e.exceptions[0] from None
        if found:
            async with applying():
                for entity in found:
                    if self.mirror.get(entity.category, entity.id) is None:
                        self.mirror.put(entity)
        log.info("%s: %d of %d parents not mirrored yet fetched by id", self.name, len(found), len(wanted))
        return len(found)


def _stamp(moment: datetime) -> str:
    return stamp_key(moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
