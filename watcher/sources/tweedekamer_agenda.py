"""The agenda stream of a Tweede Kamer source: `Activiteit` with its Agendapunten' Zaken (and their
dossiers) and the Activiteiten it replaces or is replaced by, keyset-paged on ApiGewijzigdOp: one request
a cycle when idle."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import AsyncIterator

from ._base import Stream, StreamPage
from ._odata import changed_rows, newest_stamp, stamp_key

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
        async for rows, cursor in changed_rows(self.source, "Activiteit", cursor, EXPAND):
            yield StreamPage("Activiteit", rows, cursor)
