"""The agenda stream of a Tweede Kamer source: `Activiteit` with its Agendapunten' Zaken (and their
dossiers) and the Activiteiten it replaces or is replaced by, keyset-paged on ApiGewijzigdOp: one request
a cycle when idle."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import AsyncIterator

from ._base import Stream, StreamPage
from ._odata import keyset_pages, newest_stamp, stamp_key

# Nested $expand options are separated by ";" in this API (none needed here).
EXPAND = "Agendapunt($expand=Zaak($expand=Kamerstukdossier)),VervangenDoor,VervangenVanuit"


class Agenda(Stream):
    name = "agenda"

    def __init__(self, source):
        self.source = source

    def start(self, since: datetime) -> dict:
        return {"Activiteit": stamp_key(since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))}

    async def baseline(self, now: datetime) -> dict:
        newest = await newest_stamp(self.source.http, self.source.base, "Activiteit")
        return {"Activiteit": newest or self.start(now)["Activiteit"], "Activiteit floor": newest}

    async def poll(self, cursor: dict) -> AsyncIterator[StreamPage]:
        stamp = cursor.get("Activiteit", "")
        start = datetime.fromisoformat(stamp[:19]).replace(tzinfo=timezone.utc) - timedelta(seconds=self.source.overlap)
        floor = stamp_key(start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        known_up_to = cursor.get("Activiteit floor", "")
        floor = max(floor, known_up_to) if known_up_to else floor
        async for rows, last, _ in keyset_pages(self.source._page, self.source.base, "Activiteit",
                                                lambda s: f"ApiGewijzigdOp ge {s}", floor, EXPAND):
            fresh = [row for row_stamp, row in rows if not known_up_to or row_stamp > known_up_to]
            cursor = {**cursor, "Activiteit": max(stamp, last)}
            yield StreamPage("Activiteit", fresh, cursor)
