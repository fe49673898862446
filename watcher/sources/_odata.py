"""Reading a Gegevensmagazijn entity (Document, Besluit, Stemming, Activiteit) in ApiGewijzigdOp order.

Paging is by keyset, not by following @odata.nextLink to the end: nextLink pages with $skip, and a row
that changes while we page moves to the end of the order, shifting the rest one place back so that one
row would be skipped and the cursor would move past it. Each next page asks again for
`ApiGewijzigdOp ge <last stamp seen>`; rows read twice are dropped by their stamp. nextLink is followed
only when a whole page shares one stamp (a tie that keyset paging cannot get past).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator, Awaitable, Callable

from ..http import FetchError, HTTP


def stamp_key(text: str | None) -> str:
    """A sortable UTC form of an OData timestamp: zone or none, 0 to 7 fractional digits."""
    if not text:
        return ""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$", text.strip())
    if not m:
        raise ValueError(f"unreadable timestamp {text!r}")
    base, fraction, zone = m.groups()
    moment = datetime.fromisoformat(base)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        moment -= sign * timedelta(hours=hours, minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + "." + (fraction or "").ljust(7, "0")[:7] + "Z"


async def get_page(http: HTTP, url: str, params: dict | None) -> dict:
    """One OData answer, checked to be what the API promises (a JSON object with a `value` list)."""
    response = await http.get(url, params=params, headers={"Accept": "application/json"})
    try:
        body = response.json()
    except ValueError:
        raise FetchError(f"not JSON from {url} (content-type {response.headers.get('content-type')!r})") from None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        # An OData error with status 200 (a proxy, or a service that does so): its message says what is wrong.
        raise FetchError(f"the API answered with an error: {body['error'].get('message') or body['error']}")
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        raise FetchError(f"no 'value' list in the answer from {url}")
    return body


async def newest_stamp(http: HTTP, base: str, entity: str) -> str:
    """The newest ApiGewijzigdOp of an entity ("" when it has no rows): one small request."""
    body = await get_page(http, base + entity, {"$orderby": "ApiGewijzigdOp desc", "$top": "1"})
    return stamp_key(body["value"][0].get("ApiGewijzigdOp")) if body["value"] else ""


async def keyset_pages(page: Callable[[str, dict | None], Awaitable[dict]], base: str, entity: str,
                       filter_for: Callable[[str], str], floor: str, expand: str = "",
                       count: bool = False) -> AsyncIterator[tuple[list[tuple[str, dict]], str, int | None]]:
    """Pages of (stamp, row) changed at or after `floor`, oldest first, each with the last stamp read and
    (with `count`) the number of rows upstream says match."""
    seen_at_floor: set[str] = set()
    first = base + entity
    url, params, query, total = first, None, floor, None
    while True:
        if params is None and url == first:
            params = {"$filter": filter_for(query), "$orderby": "ApiGewijzigdOp,Id"}
            if expand:
                params["$expand"] = expand
            if count and total is None:
                params["$count"] = "true"
        body = await page(url, params)
        if total is None and isinstance(body.get("@odata.count"), int):
            total = body["@odata.count"]
        rows = body["value"]
        fresh, last = [], query
        for row in rows:
            row_stamp = stamp_key(row.get("ApiGewijzigdOp"))
            ident = f"{row.get('Id')}@{row_stamp}"
            if ident in seen_at_floor:
                continue  # read again at the page boundary
            seen_at_floor.add(ident)
            last = max(last, row_stamp)
            fresh.append((row_stamp, row))
        yield fresh, last, total
        next_link = body.get("@odata.nextLink")
        if not next_link or not rows:
            return
        if last == query:
            url, params = next_link, None  # a whole page on one stamp: only $skip gets past it
        else:
            query, url, params = last, first, None
            seen_at_floor = {i for i in seen_at_floor if i.endswith("@" + last)}


def read_from(stamp: str, overlap: float, known_up_to: str = "") -> str:
    """Where a poll starts: `overlap` seconds behind the cursor's stamp (a change becomes visible in the API a
    little after its stamp), but never at or before `known_up_to`, what was there before the first run."""
    start = datetime.fromisoformat(stamp[:19]).replace(tzinfo=timezone.utc) - timedelta(seconds=overlap)
    floor = stamp_key(start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return max(floor, known_up_to) if known_up_to else floor


async def changed_rows(source, entity: str, cursor: dict, expand: str = "") -> AsyncIterator[tuple[list[dict], dict]]:
    """Pages of an entity's rows changed since its stamp in `cursor` (`cursor[entity]`, with `"<entity> floor"`
    the baseline), each with the cursor after it: the streams around documents read Besluit, Stemming and
    Activiteit so."""
    stamp, known_up_to = cursor.get(entity, ""), cursor.get(f"{entity} floor", "")
    async for rows, last, _ in keyset_pages(source._page, source.base, entity, lambda s: f"ApiGewijzigdOp ge {s}",
                                            read_from(stamp, source.overlap, known_up_to), expand):
        cursor = {**cursor, entity: max(stamp, last)}
        yield [row for row_stamp, row in rows if not known_up_to or row_stamp > known_up_to], cursor


def dossier_numbers(rows) -> list[str]:
    """Kamerstukdossier rows as their numbers: "36800", or with a Toevoeging "36800-X"."""
    return [f"{d['Nummer']}" + (f"-{d['Toevoeging']}" if d.get("Toevoeging") else "")
            for d in rows or [] if isinstance(d, dict) and d.get("Nummer") is not None]
