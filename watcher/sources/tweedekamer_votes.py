"""The votes stream of a Tweede Kamer source: `Besluit` with its Zaak and Stemming rows, then `Stemming`.

Two entities, each keyset-paged on its own ApiGewijzigdOp: a Besluit's stamp does not move when its
positions arrive (a recorded page: Stemming rows stamped eleven hours after their Besluit), so reading
Besluit alone would miss them, and a hamerstuk has no Stemming rows at all. When idle this is two small
requests a cycle; re-reading a rolling window of Besluiten instead would cost pages every cycle.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import AsyncIterator

from ._base import Stream, StreamPage
from ._odata import changed_rows, newest_stamp, stamp_key

# Besluit -> Zaak (with who put it forward and its dossier) and the Stemming rows published so far. Nested
# $expand options are separated by ";" in this API.
BESLUIT_EXPAND = "Zaak($expand=ZaakActor,Kamerstukdossier),Stemming"
ENTITIES = ("Besluit", "Stemming")  # in this order: a position is folded into a vote already read


class Votes(Stream):
    name = "votes"

    def __init__(self, source):
        self.source = source

    def start(self, since: datetime) -> dict:
        stamp = stamp_key(since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return {entity: stamp for entity in ENTITIES}

    async def baseline(self, now: datetime) -> dict:
        """Start after the newest row of each entity: what was there before us is not news."""
        cursor = {}
        for entity in ENTITIES:
            newest = await newest_stamp(self.source.http, self.source.base, entity)
            cursor[entity] = newest or self.start(now)[entity]
            cursor[f"{entity} floor"] = newest
        return cursor

    async def poll(self, cursor: dict) -> AsyncIterator[StreamPage]:
        for entity in ENTITIES:
            expand = BESLUIT_EXPAND if entity == "Besluit" else ""
            async for rows, cursor in changed_rows(self.source, entity, cursor, expand):
                yield StreamPage(entity, rows, cursor)
