"""A Gegevensmagazijn (OData v4) on loopback, serving Tweede Kamer rows and files: the demo's upstream and
the tests' fake.

It answers the queries watcher makes the way the real API does: `$filter` on ApiGewijzigdOp (and
Soort), `$orderby`, pages of `page_size` with an `@odata.nextLink` that pages by `$skip`, `$count`,
`Document(<id>)`, `Document(<id>)/resource` and `DocumentPublicatie(<id>)/Resource`; and the same
listing of `Besluit`, `Stemming` and `Activiteit`. A Besluit asked with `$expand=...Stemming` carries the
Stemming rows published for it so far (none, right after the vote), as the real one does. Failures can
be queued per path prefix; `requests` counts the listings asked, per entity.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from .server import LoopbackServer, Request, Response

ROOT = "/OData/v4/2.0/"


def _order(stamp: str | None):
    if not stamp:
        return ("",)
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$", stamp)
    moment = datetime.fromisoformat(m.group(1))
    zone = m.group(3)
    if zone and zone != "Z":
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        moment = moment - offset if zone[0] == "+" else moment + offset
    return (moment.isoformat(), (m.group(2) or "").ljust(7, "0"))


class FakeTK:
    def __init__(self, files: dict, page_size: int = 250):
        """`files`: content type -> path of the file a published row serves unless given its own."""
        self.default_files = files
        self.rows: dict[str, dict] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.publications: dict[str, bytes] = {}
        self.renderers: dict[str, object] = {}
        self._render_lock = threading.Lock()  # id -> callable making the file on request (for big benches)
        self.page_size = page_size
        self.failures: list[tuple[str, int]] = []  # (path prefix, status), used once each, in order
        self.not_json = False
        self.delay = 0.0  # seconds before each answer: a slow upstream
        self.latency = (0.0, 0.0)  # seconds before a listing's answer, and before a file's (a real API's pace)
        # request -> Response, or None to answer as usual: a hostile upstream (a huge file, a dripping page)
        self.intercept = None
        # Stamps follow the real clock, so `since: now` in a test starts where the fake does.
        self._clock = datetime.now(timezone.utc).replace(microsecond=0)
        self.stamp_step = timedelta(seconds=1, microseconds=123)  # between two changes (a bench spreads a year)
        # Besluit, Stemming, Activiteit: Id -> row, their expansions written into the row (but a Besluit's
        # Stemming, which is looked up when asked for).
        self.entities: dict[str, dict[str, dict]] = {"Besluit": {}, "Stemming": {}, "Activiteit": {}}
        self.requests: dict[str, int] = {}
        self.server = LoopbackServer(self.handle)
        self.url = self.server.url + ROOT

    # ------------------------------------------------------------ data
    def next_stamp(self) -> str:
        self._clock += self.stamp_step
        return self._clock.strftime("%Y-%m-%dT%H:%M:%S.%f") + "4Z"  # seven digits, as the API sends

    def add(self, row: dict, data: bytes | None = None, content_type: str | None = None,
            stamp: str | None = None, fresh: bool = True) -> dict:
        """Publish a row. `fresh`: dated today, as a document that newly appears is (the recorded
        rows are from 2025; left as they are, they read as old news re-sent)."""
        row = copy.deepcopy(row)
        if fresh and not row.get("Verwijderd"):
            row["Datum"] = self._clock.strftime("%Y-%m-%dT00:00:00+01:00")
        content_type = content_type or row.get("ContentType") or "application/pdf"
        if data is None and not row.get("Verwijderd"):
            data = self.default_files.get(content_type, self.default_files["application/pdf"]).read_bytes()
        if data is not None:
            row["ContentType"], row["ContentLength"] = content_type, len(data)
            self.files[row["Id"]] = (data, content_type)
        row["ApiGewijzigdOp"] = stamp or self.next_stamp()
        row.setdefault("HuidigeDocumentVersie", {"Versienummer": 1, "ExterneIdentifier": None})
        self.rows[row["Id"]] = row
        return row

    def revise(self, doc_id: str, data: bytes, version: int | None = None) -> dict:
        """A new version with another file, as the API shows it."""
        row = self.rows[doc_id]
        current = row["HuidigeDocumentVersie"]
        current["Versienummer"] = version or (current.get("Versienummer") or 1) + 1
        row["ContentLength"] = len(data)
        self.files[doc_id] = (data, row["ContentType"])
        row["ApiGewijzigdOp"] = self.next_stamp()
        return row

    def touch(self, doc_id: str) -> dict:
        """Re-send a row unchanged but for its stamp (what the 2024-02-19 data fix did)."""
        row = self.rows[doc_id]
        row["GewijzigdOp"] = "2024-02-19T10:56:03.63+01:00"
        row["ApiGewijzigdOp"] = self.next_stamp()
        return row

    def delete(self, doc_id: str) -> dict:
        tombstone = {"Id": doc_id, "Verwijderd": True, "ApiGewijzigdOp": self.next_stamp()}
        for key in self.rows[doc_id]:
            tombstone.setdefault(key, None)
        self.rows[doc_id] = tombstone
        return tombstone

    def put(self, entity: str, row: dict, fresh: bool = True) -> dict:
        """Publish (or change) a Besluit, Stemming or Activiteit row, stamped now. `fresh`: changed by the
        Kamer now too (GewijzigdOp), as a new decision is; left as it is, it reads as old news re-sent."""
        row = copy.deepcopy(row)
        row["ApiGewijzigdOp"] = self.next_stamp()
        if fresh:
            row["GewijzigdOp"] = self._clock.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "+00:00"
        self.entities[entity][row["Id"]] = row
        return row

    def fail(self, prefix: str, *statuses: int) -> None:
        self.failures += [(prefix, s) for s in statuses]

    # ------------------------------------------------------------ HTTP
    def handle(self, request: Request) -> Response:
        if self.delay:
            time.sleep(self.delay)
        path = request.path[len(ROOT):] if request.path.startswith(ROOT) else request.path
        if any(self.latency):
            time.sleep(self.latency[0] if path in ("Document", *self.entities) else self.latency[1])
        if self.intercept and (answer := self.intercept(path, request)) is not None:
            return answer
        for i, (prefix, status) in enumerate(self.failures):
            if path.startswith(prefix):
                del self.failures[i]
                return Response(status, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})
        if path in ("Document", *self.entities):
            self.requests[path] = self.requests.get(path, 0) + 1
            if self.not_json:
                return Response(200, b"<html>maintenance</html>", {"Content-Type": "text/html"})
            return self._listing(path, request)
        m = re.fullmatch(r"Document\(([0-9a-f-]+)\)(/resource)?", path)
        if m:
            if m.group(2):
                if m.group(1) in self.renderers:
                    with self._render_lock:  # pdfium is not thread-safe, and the server has a thread a request
                        data, ctype = self.renderers[m.group(1)]()
                    return Response(200, data, {"Content-Type": ctype})
                if m.group(1) not in self.files:
                    return Response(404, b"not found")
                data, ctype = self.files[m.group(1)]
                return Response(200, data, {"Content-Type": ctype})
            row = self.rows.get(m.group(1))
            return self._json(row) if row else Response(404, b"{}")
        m = re.fullmatch(r"DocumentPublicatie\(([0-9a-f-]+)\)/Resource", path)
        if m and m.group(1) in self.publications:
            return Response(200, self.publications[m.group(1)], {"Content-Type": "application/xml"})
        return Response(404, b'{"error":"not found"}')

    def _json(self, data) -> Response:
        return Response(200, json.dumps(data).encode(),
                        {"Content-Type": "application/json; odata.metadata=minimal; odata.streaming=true"})

    def _rows(self, entity: str, expand: str) -> list[dict]:
        if entity == "Document":
            return list(self.rows.values())
        rows = list(self.entities[entity].values())
        if entity == "Besluit" and re.search(r"\bStemming\b", expand):
            votes = self.entities["Stemming"].values()
            rows = [dict(r, Stemming=[v for v in votes if v.get("Besluit_Id") == r["Id"]]) for r in rows]
        return rows

    def _listing(self, entity: str, request: Request) -> Response:
        q = request.query
        rows = self._rows(entity, q.get("$expand", ""))
        flt = q.get("$filter", "")
        m = re.search(r"ApiGewijzigdOp ge (\S+)", flt)
        if m:
            rows = [r for r in rows if _order(r.get("ApiGewijzigdOp")) >= _order(m.group(1))]
        kinds = [k.replace("''", "'") for k in re.findall(r"Soort eq '((?:[^']|'')*)'", flt)]
        if kinds:
            rows = [r for r in rows if r.get("Soort") in kinds or (
                "Verwijderd eq true" in flt and r.get("Verwijderd"))]
        if q.get("$orderby", "").startswith("ApiGewijzigdOp"):
            rows.sort(key=lambda r: (_order(r.get("ApiGewijzigdOp")), r["Id"]),
                      reverse=q["$orderby"].split(",")[0].endswith(" desc"))
        skip = int(q.get("$skip", 0))
        top = int(q["$top"]) if "$top" in q else None
        page = rows[skip: skip + min(self.page_size, top or self.page_size)]
        body = {"@odata.context": f"{self.url}$metadata#{entity}", "value": page}
        if q.get("$count") == "true":
            body["@odata.count"] = len(rows)
        # With $top the real API sends no nextLink, even when more rows match (ODP issue #70).
        if top is None and skip + self.page_size < len(rows):
            nxt = {k: v for k, v in q.items() if k != "$count"}
            nxt["$skip"] = skip + self.page_size
            body["@odata.nextLink"] = f"{self.url}{entity}?{urlencode(nxt)}"
        return self._json(body)
