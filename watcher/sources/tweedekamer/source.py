"""kind: tweedekamer — the Tweede Kamer's open data, read from its SyncFeed (feed.py) into a mirror
(mirror.py), and told from there: documents as records, votes and debates as streams.

A cycle first brings the mirror up to date (sync.py); only when every category has reached its head are
the roots its changes touched assembled (assemble.py) and told, so a document whose actor or version came
in another category, or on a later page, is told once and whole. Parents the mirror lacks are fetched by
id first; a root that still lacks one waits (at most CONTEXT_WAIT) and is then told with what there is.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator, ClassVar

from ...settings import BACKLOG_MARGIN
from ...extract import MAX_BYTES, ExtractError
from ..http import FetchError, TooLarge
from ...model import Document, Record, StoredDocument
from .._base import Page, Source, Stream, StreamPage
from .feed import SyncFeed
from .kind import EVENTS, categories
from .mirror import Mirror
from .._base import Refresh
from .sync import WARMUP, Sync

# assemble.py is imported by each method that assembles, not here: a cycle in which no root changed (most
# cron runs) never needs it (bench/bench_quiet.py).

log = logging.getLogger("watcher.tweedekamer")

PAGE = 100  # roots assembled and applied a page at a time
CONTEXT_WAIT = timedelta(hours=1)  # how long a root waits for a parent the feed does not have yet
FETCH_ROUNDS = 3  # parents of fetched parents (a zaak's dossier), this deep


def _now() -> datetime:
    return datetime.now(timezone.utc)


class TweedeKamer(Source):
    kind = "tweedekamer"
    exact_start = True

    def __init__(self, config, http, extractor, store=None):
        super().__init__(config, http, extractor, store)
        self.feed = SyncFeed(http, self.base)
        self.mirror = Mirror(store, self.name, ROOTS) if store is not None else None
        self.seq_before = 0
        warmup = self.config.options.get("warmup")
        self.sync = Sync(self.name, self.feed, self.mirror, store,
                         timedelta(seconds=warmup) if warmup else WARMUP)

    @property
    def base(self) -> str:
        return self.config.url if self.config.url.endswith("/") else self.config.url + "/"

    @property
    def events(self) -> tuple[str, ...]:
        return self.config.options.get("events") or EVENTS

    @property
    def documents(self) -> bool:
        return "documents" in self.events

    def streams(self) -> list[Stream]:
        kinds = {s.name: s for s in STREAMS}
        return [kinds[e](self) for e in self.events if e in kinds]

    # ------------------------------------------------------------ the mirror
    def upgraded(self) -> bool:
        """A state the OData source wrote: every category starts at its head, nothing is read twice."""
        cursor = self.store.cursor(self.name)
        return cursor is not None and "seq" not in cursor

    async def refresh(self, applying, stopping, now: datetime) -> Refresh:
        """Bring the mirror up to date, then fetch the parents of what is to be told."""
        # A first run's baseline: what this sync marks arrived after the start (the warm-up marks nothing).
        self.seq_before = self.mirror.seq
        refresh = await self.sync.run(categories(self.events), applying, stopping, self.config.since_datetime(),
                                      self.upgraded(), now)
        if refresh.ready:
            for _ in range(FETCH_ROUNDS):  # a fetched zaak may name a dossier that is not mirrored either
                missing = [m for reader in self._readers() for m in reader.missing()]
                if not missing or stopping() or not await self.sync.fetch_missing(missing, applying):
                    break
        async with applying():
            for reader in self._readers():
                self.mirror.forget(reader.root, reader.done())
        return refresh

    def _readers(self) -> list:
        return ([Documents(self)] if self.documents else []) + [s for s in self.streams()]

    # ------------------------------------------------------------ documents
    def start(self, since: datetime) -> dict:
        return {"seq": 0, "start": (since.astimezone(timezone.utc) - BACKLOG_MARGIN).isoformat(timespec="seconds")}

    async def baseline(self, now: datetime) -> dict:
        """A new install tells what changed after it started: what its first sync marked arrived since."""
        return {"seq": self.seq_before,
                "start": (now.astimezone(timezone.utc) - BACKLOG_MARGIN).isoformat(timespec="seconds")}

    async def poll(self, cursor: dict) -> AsyncIterator[Page]:
        async for page in Documents(self).pages(cursor):
            yield page

    def file(self, spec: dict):
        async def fetch() -> Document:
            publication = spec.get("publication")
            if publication:
                # KOOP's XML of this version carries the structure (vraag/antwoord): prefer it.
                try:
                    return await self._download(publication["url"], "application/xml", publication.get("length"))
                except (FetchError, ExtractError) as e:
                    log.info("%s: publication XML not usable (%s); taking the file", spec["url"], e)
            return await self._download(spec["url"], spec.get("content_type") or "", spec.get("length"))
        return fetch

    async def _download(self, url: str, content_type: str, length) -> Document:
        url = self.feed.check_file(url)
        if isinstance(length, int) and length > MAX_BYTES:
            raise TooLarge(f"{url}: the feed says {length:,} bytes, over the {MAX_BYTES:,}-byte limit: not downloaded")
        response = await self.http.get(url, max_bytes=MAX_BYTES)
        data = response.content
        if isinstance(length, int) and length > 0 and len(data) != length:
            # Known upstream behaviour (OpenTK's tkpull.cc, 2025-12): the declared length is sometimes wrong.
            log.info("%s: %s bytes arrived, the feed declared %s; kept", url, f"{len(data):,}", f"{length:,}")
        return await self.extractor(data, response.headers.get("content-type") or content_type, url)

    async def refetch(self, stored: StoredDocument) -> Record | None:
        """A text that could not be had: asked again as the mirror describes its document now, or (stored in the
        OData days, before the mirror knew it) with what was stored and the file its id names."""
        ident = next((a[6:] for a in stored.meta.aliases if a.startswith("tk-id:")), None)
        if not ident or self.mirror is None:
            return None
        from . import assemble
        parts = assemble.gather_document(self.mirror, ident)
        record = assemble.document_record(parts, self.name, self.base) if parts.root is not None else None
        if record is None:
            current = stored.current
            record = Record(key=stored.key, source=self.name, version=current.version if current else "",
                            meta=stored.meta, stamp=stored.stamp, fingerprint=current.fingerprint if current else "",
                            spec={"url": f"{self.base}Resources/{ident}", "content_type": "", "length": None,
                                  "publication": None})
        return record


class _Reader:
    """Reads the roots of one kind that changes touched, after the sequence number in its cursor."""
    root: ClassVar[str]
    cursor_key: ClassVar[str]

    def __init__(self, source: TweedeKamer):
        self.source = source

    @property
    def mirror(self) -> Mirror:
        return self.source.mirror

    def cursor(self) -> dict | None:
        return self.source.store.cursor(self.cursor_key.format(name=self.source.name))

    def done(self) -> int:
        cursor = self.cursor()
        if not cursor or "seq" not in cursor:
            return 0  # not started yet (or an OData-era cursor): keep every mark
        return min([cursor["seq"]] + [w["seq"] for w in cursor.get("waiting", {}).values()])

    def gather(self, ident: str):
        raise NotImplementedError

    def missing(self) -> list[tuple[str, str]]:
        cursor = self.cursor()
        if not cursor or "seq" not in cursor:
            return []
        idents = list(cursor.get("waiting", {})) + [d.ident for d in self.mirror.dirty(self.root, cursor["seq"])]
        return [m for ident in idents for parts in [self.gather(ident)] for m in parts.missing + parts.optional]

    def roots(self, cursor: dict) -> tuple[dict, list[tuple[int, str]]]:
        """The cursor as this reader keeps it, and the roots to read: those waiting first, then the new ones."""
        if "seq" not in cursor:  # written by the OData source: what is marked now is from before the upgrade
            cursor = {"seq": self.mirror.seq, **{k: v for k, v in cursor.items() if k == "start"}}
        waiting = dict(cursor.get("waiting", {}))
        found = [(w["seq"], ident) for ident, w in waiting.items()]
        found += [(d.seq, d.ident) for d in self.mirror.dirty(self.root, cursor["seq"]) if d.ident not in waiting]
        return cursor, found

    def waits(self, parts, ident: str, seq: int, waiting: dict, now: datetime) -> bool:
        """Whether a root that lacks a parent waits for it (True) or is told with what there is: it waits while
        a parent was not asked for yet (the cycle's look-ups ran out), and at most CONTEXT_WAIT for one the
        feed did not have."""
        absent = self.source.sync.absent
        if any(m not in absent for m in parts.missing + parts.optional):
            waiting.setdefault(ident, {"seq": seq, "since": now.isoformat(timespec="seconds")})
            return True
        if not parts.missing:
            waiting.pop(ident, None)
            return False
        since = waiting.setdefault(ident, {"seq": seq, "since": now.isoformat(timespec="seconds")})["since"]
        # A wait that began after now was stamped by a clock that ran ahead: not trusted, or it would last
        # until the clock caught up with it.
        if timedelta(0) <= now - datetime.fromisoformat(since) < CONTEXT_WAIT:
            return True
        log.warning("%s: %s %s told without %s, which the feed did not have within %s", self.source.name,
                    self.root, ident, ", ".join(f"{c} {i}" for c, i in parts.missing), CONTEXT_WAIT)
        waiting.pop(ident, None)
        return False


class Documents(_Reader):
    root = "Document"
    cursor_key = "{name}"

    def gather(self, ident: str):
        from . import assemble
        return assemble.gather_document(self.mirror, ident)

    async def pages(self, cursor: dict) -> AsyncIterator[Page]:
        cursor, found = self.roots(cursor)
        waiting, soorten = dict(cursor.get("waiting", {})), self.source.config.options.get("soorten")
        now = _now()
        for at in range(0, len(found), PAGE):
            chunk, records = found[at:at + PAGE], []
            for seq, ident in chunk:
                parts = self.gather(ident)
                if self.waits(parts, ident, seq, waiting, now):
                    continue
                from . import assemble
                record = assemble.document_record(parts, self.source.name, self.source.base)
                if record is None or (soorten and not record.deleted and record.meta.soort not in soorten):
                    continue
                if not record.deleted and (stored := self.source.store.document(record.key)) is not None:
                    record.meta.actors = assemble.with_known_actors(record.meta.actors, stored.meta.actors)
                    # Stored by the OData source (its file link says so): first seen here in the feed's words.
                    record.rebase = "/OData/" in stored.meta.links.get("bestand", "")
                records.append(record)
            cursor = {**cursor, "seq": max([cursor["seq"]] + [s for s, _ in chunk]), "waiting": dict(waiting)}
            yield Page(records, cursor, total=len(found))
        if not found:
            yield Page([], cursor, total=0)


class _MirrorStream(_Reader, Stream):
    """A stream of states assembled from the mirror: one row per root, {"key", "state"}."""
    entity: ClassVar[str]

    def start(self, since: datetime) -> dict:
        return {"seq": 0}

    async def baseline(self, now: datetime) -> dict:
        return {"seq": self.source.seq_before}

    def state(self, parts) -> dict | None:
        raise NotImplementedError

    async def assembled(self, parts) -> dict | None:
        """The root's state; a stream whose root is a file reads it here."""
        return self.state(parts)

    def key(self, parts, ident: str) -> str:
        """What the engine folds a root's states under: the root itself for most."""
        return ident

    async def poll(self, cursor: dict) -> AsyncIterator[StreamPage]:
        cursor, found = self.roots(cursor)
        waiting, now = dict(cursor.get("waiting", {})), _now()
        for at in range(0, len(found), PAGE):
            chunk, rows = found[at:at + PAGE], []
            for seq, ident in chunk:
                parts = self.gather(ident)
                if self.waits(parts, ident, seq, waiting, now):
                    continue
                state = await self.assembled(parts)
                if state is not None:
                    rows.append({"key": self.key(parts, ident), "state": state})
            cursor = {**cursor, "seq": max([cursor["seq"]] + [s for s, _ in chunk]), "waiting": dict(waiting)}
            yield StreamPage(self.entity, rows, cursor)
        if not found:
            yield StreamPage(self.entity, [], cursor)  # the cursor as kept now (an OData-era one, replaced)


class Votes(_MirrorStream):
    """A Besluit with its zaken and every Stemming row: told by news.votes once whole."""
    name = "votes"
    root = entity = "Besluit"
    cursor_key = "{name}/votes"

    def gather(self, ident: str):
        from . import assemble
        return assemble.gather_vote(self.mirror, ident)

    def state(self, parts) -> dict | None:
        from . import assemble
        return assemble.vote_state(parts)


class Agenda(_MirrorStream):
    """An Activiteit with its agendapunten' zaken and the meetings that replace it."""
    name = "agenda"
    root = entity = "Activiteit"
    cursor_key = "{name}/agenda"

    def gather(self, ident: str):
        from . import assemble
        return assemble.gather_meeting(self.mirror, ident)

    def state(self, parts) -> dict | None:
        from . import assemble
        return assemble.meeting_state(parts)


class Toezeggingen(_MirrorStream):
    """A Toezegging with the member and fractie it was made to and the debate it was made in."""
    name = "toezeggingen"
    root = entity = "Toezegging"
    cursor_key = "{name}/toezeggingen"

    def gather(self, ident: str):
        from . import assemble
        return assemble.gather_promise(self.mirror, ident)

    def state(self, parts) -> dict | None:
        from . import assemble
        return assemble.promise_state(parts)


class Verslagen(_MirrorStream):
    """A sitting's verslag (VLOS XML, the Verslag's file): its debates and who spoke in them, read as each version
    comes (Casco, Ongecorrigeerd, Gecorrigeerd). The versions of one sitting fold into one state, by its
    Vergadering."""
    name = "debates"
    root = entity = "Verslag"
    cursor_key = "{name}/debates"

    def gather(self, ident: str):
        from . import assemble
        return assemble.Parts(self.mirror.get("Verslag", ident))

    def key(self, parts, ident: str) -> str:
        return (parts.root.ref("vergadering") if parts.root is not None else "") or ident

    async def assembled(self, parts) -> dict | None:
        verslag = parts.root
        if verslag is None:
            return None
        if verslag.deleted:
            return {"removed": True}
        from ...extract import vlos  # here: a run in which no verslag changed does not pay for its reader

        url = self.source.feed.check_file(verslag.enclosure or f"{self.source.base}Resources/{verslag.id}")
        response = await self.source.http.get(url, max_bytes=MAX_BYTES)
        try:
            read = vlos.read_verslag(response.content)
        except ExtractError as e:
            # A verslag that cannot be read is said once in the log and left: the next version comes as a change.
            log.warning("%s: verslag %s cannot be read (%s); left until its next version", self.source.name,
                        verslag.id, e)
            return None
        return {**vlos.digest(read), "verslag": verslag.id, "removed": False}


# The streams this source reads beside its documents: a new one is its class here (its name, how it gathers and
# assembles a root), registered once, with the categories of the feed it needs in kind.py's NEEDS (which
# sources.yaml is checked against without importing this module); the engine tells its rows
# (engine/streams.py, by the same name).
STREAMS = (Votes, Agenda, Toezeggingen, Verslagen)
ROOTS = (Documents.root, *(s.root for s in STREAMS))  # what the mirror marks when a part of it changes
