"""A fake Gegevensmagazijn (OData v4) serving recorded Tweede Kamer rows and files.

It answers the queries watcher makes the way the real API does: `$filter` on ApiGewijzigdOp (and
Soort), `$orderby`, pages of `page_size` with an `@odata.nextLink` that pages by `$skip`, `$count`,
`Document(<id>)`, `Document(<id>)/resource` and `DocumentPublicatie(<id>)/Resource`. Failures can
be queued per path prefix.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

from .server import LoopbackServer, Request, Response

FIXTURES = Path(__file__).parent.parent / "fixtures"
ODATA = FIXTURES / "tk" / "odata"
RESOURCES = FIXTURES / "tk" / "resources"
PUBLICATIONS = FIXTURES / "tk" / "publications"
ROOT = "/OData/v4/2.0/"

FILES = {
    "application/pdf": RESOURCES / "motie__d7a5dc6c-3636-4acd-8630-96c14e97dcce.pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        RESOURCES / "motie__09b97518-8d7c-4a90-a090-28e45bc44920.docx",
    "application/msword": RESOURCES / "motie__ca71487f-866a-43aa-a9d5-ec3e2c3a236c.doc",
}


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


def page_rows() -> list[dict]:
    """The 250 recorded Document rows (no expansions)."""
    return json.loads((ODATA / "document__page_value_array_250.json").read_text())


def zaak_document(name: str) -> dict:
    """A recorded Document row with its HuidigeDocumentVersie, and its Zaak attached the way $expand
    from Document gives it."""
    zaak = json.loads((ODATA / name).read_text())
    doc = copy.deepcopy(zaak["Document"][0])
    zaak = {k: v for k, v in zaak.items() if k != "Document"}
    doc["Zaak"] = [zaak]
    return doc


class FakeTK:
    def __init__(self, page_size: int = 250):
        self.rows: dict[str, dict] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.publications: dict[str, bytes] = {}
        self.renderers: dict[str, object] = {}
        self._render_lock = threading.Lock()  # id -> callable making the file on request (for big benches)
        self.page_size = page_size
        self.failures: list[tuple[str, int]] = []  # (path prefix, status), used once each, in order
        self.not_json = False
        self.delay = 0.0  # seconds before each answer: a slow upstream
        # request -> Response, or None to answer as usual: a hostile upstream (a huge file, a dripping page)
        self.intercept = None
        # Stamps follow the real clock, so `since: now` in a test starts where the fake does.
        self._clock = datetime.now(timezone.utc).replace(microsecond=0)
        self.server = LoopbackServer(self.handle)
        self.url = self.server.url + ROOT

    # ------------------------------------------------------------ data
    def next_stamp(self) -> str:
        self._clock += timedelta(seconds=1, microseconds=123)
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
            data = FILES.get(content_type, FILES["application/pdf"]).read_bytes()
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

    def fail(self, prefix: str, *statuses: int) -> None:
        self.failures += [(prefix, s) for s in statuses]

    # ------------------------------------------------------------ HTTP
    def handle(self, request: Request) -> Response:
        if self.delay:
            time.sleep(self.delay)
        path = request.path[len(ROOT):] if request.path.startswith(ROOT) else request.path
        if self.intercept and (answer := self.intercept(path, request)) is not None:
            return answer
        for i, (prefix, status) in enumerate(self.failures):
            if path.startswith(prefix):
                del self.failures[i]
                return Response(status, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})
        if path == "Document":
            if self.not_json:
                return Response(200, b"<html>maintenance</html>", {"Content-Type": "text/html"})
            return self._documents(request)
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

    def _documents(self, request: Request) -> Response:
        q = request.query
        rows = list(self.rows.values())
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
        body = {"@odata.context": f"{self.url}$metadata#Document", "value": page}
        if q.get("$count") == "true":
            body["@odata.count"] = len(rows)
        # With $top the real API sends no nextLink, even when more rows match (ODP issue #70).
        if top is None and skip + self.page_size < len(rows):
            nxt = {k: v for k, v in q.items() if k != "$count"}
            nxt["$skip"] = skip + self.page_size
            body["@odata.nextLink"] = f"{self.url}Document?{urlencode(nxt)}"
        return self._json(body)


def _actor(kind: str, owner: str, name: str, party: str | None, relatie: str, persoon: str | None = None) -> dict:
    """An actor row in the recorded shape (see zaak__expand_zaakactor_document__2_motions_extracted.json)."""
    return {"Id": f"00000000-0000-4000-8000-{abs(hash((owner, name))) % 10**12:012d}", f"{kind}_Id": owner,
            "ActorNaam": name, "ActorFractie": party, "ActorAfkorting": None,
            "Functie": "Tweede Kamerlid" if party else None, "Relatie": relatie, "SidActor": None,
            "Persoon_Id": persoon, "Fractie_Id": None, "Commissie_Id": None,
            "GewijzigdOp": "2025-02-19T07:59:02.573+01:00", "ApiGewijzigdOp": "2025-02-19T06:59:10.1234567Z",
            "Verwijderd": False}


def motion_2025D06779() -> dict:
    """Gewijzigde motie Podt c.s., 2025D06779 version 3 (kst-19637-3384), as `$expand` from Document gives it.

    Document, version, publications and Zaak are recorded. The recording was made without the actors
    expanded, so the indiener is added in the recorded ZaakActor shape, with the real Persoon Id of A. Podt
    (persoon__active_members_value_array.json) and her party.
    """
    row = zaak_document("zaak_2025Z02986__expand_document_huidigeversie_publicaties__doc_2025D06779_v3.json")
    zaak = row["Zaak"][0]
    zaak["ZaakActor"] = [_actor("Zaak", zaak["Id"], "A. Podt", "D66", "Indiener",
                                "950c21d2-8a14-406d-b3af-877360bbd0ab")]
    row["DocumentActor"] = []
    row["Kamerstukdossier"] = [{"Id": "4b6bd5a5-0000-4000-8000-000000019637", "Titel": "Vreemdelingenbeleid",
                                "Nummer": 19637, "Toevoeging": None, "Verwijderd": False}]
    return row


def answer_with_askers_on_the_zaak() -> dict:
    """Antwoord schriftelijke vragen 2025D43150 (recorded row): the members who asked sit on the Zaak.

    The zaak and its actors are in the recorded shapes; the askers are the ones the recorded Onderwerp
    names ("vragen van de leden Kahraman en Ceder").
    """
    row = next(r for r in page_rows() if r["DocumentNummer"] == "2025D43150")
    zaak_id = "7f1d4a6e-0000-4000-8000-000000043150"
    row["Zaak"] = [{"Id": zaak_id, "Nummer": "2025Z17001", "Soort": "Schriftelijke vragen",
                    "Onderwerp": row["Onderwerp"], "Verwijderd": False,
                    "ZaakActor": [_actor("Zaak", zaak_id, "I. Kahraman", "NSC", "Indiener"),
                                  _actor("Zaak", zaak_id, "D.G.M. Ceder", "ChristenUnie", "Medeindiener"),
                                  _actor("Zaak", zaak_id, "Buitenlandse Zaken", None, "Gericht aan")]}]
    row["DocumentActor"] = [_actor("Document", row["Id"], "C.C.J. Veldkamp", None, "Ondertekenaar")]
    return row


def edit_docx(data: bytes, old: str, new: str) -> bytes:
    """The same DOCX with one piece of text changed, as a corrected version would be."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/document.xml":
                assert old.encode() in content, f"{old!r} is not in the document"
                content = content.replace(old.encode(), new.encode())
            target.writestr(item, content)
    return out.getvalue()
