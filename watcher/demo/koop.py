"""repository.overheid.nl on loopback: the SRU searchRetrieve service and the FRBR manifestation files (the
demo's upstream and the tests' fake).

Records are copies of the records of an SRU page (the schema-built SYNTHETIC page), re-addressed to this
server, with other identifiers, days and titles. The service answers `dt.modified>=<day>` queries sorted
ascending, paged by startRecord/maximumRecords, and can answer with an SRU diagnostic.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from lxml import etree

from .server import LoopbackServer, Request, Response

NS = {"sru": "http://docs.oasis-open.org/ns/search-ws/sruResponse", "gzd": "http://standaarden.overheid.nl/sru",
      "dcterms": "http://purl.org/dc/terms/", "ow": "http://standaarden.overheid.nl/wetgeving/"}
REAL_HOST = "https://repository.overheid.nl"
PAGE = "SYNTHETIC_sru_searchRetrieve_parliament_page1.xml"
DIAGNOSTICS = "SYNTHETIC_sru_diagnostics.xml"
CONTENT = {
    "kv-tk": "SYNTHETIC_op_xml_kv-tk_kamervragen_zonder_antwoord.xml",
    "ah-tk": "SYNTHETIC_op_xml_ah-tk_aanhangsel_antwoord.xml",
    "kst": "SYNTHETIC_op_xml_kst_motie.xml",
}
METADATA = {"kv-tk": "RECONSTRUCTED_metadata_ah-tk-20082009-2635.xml",
            "ah-tk": "RECONSTRUCTED_metadata_ah-tk-20082009-2635.xml", "kst": "RECONSTRUCTED_metadata_kst-17050-229.xml"}


class FakeKOOP:
    def __init__(self, folder: Path):
        """`folder`: the SRU page whose records are the templates, the content and metadata XML files and
        the diagnostics answer, by the names in PAGE, CONTENT, METADATA and DIAGNOSTICS."""
        self.folder = folder
        self.templates = etree.parse(str(folder / PAGE)).getroot().findall(".//sru:record", NS)
        self.records: list[etree._Element] = []
        self.files: dict[str, bytes] = {}
        self.diagnostic = False
        self.failures: list[int] = []
        self.server = LoopbackServer(self.handle)
        self.url = self.server.url + "/sru"

    # ------------------------------------------------------------ data
    def add(self, template: int = 0, identifier: str | None = None, modified: str | None = None,
            title: str | None = None, content: bytes | None = None, stamp: str | None = None,
            without: tuple[str, ...] = ()) -> etree._Element:
        """A record like template number `template` of the synthetic page, optionally renamed and redated."""
        record = copy.deepcopy(self.templates[template])
        old_id = record.find(".//dcterms:identifier", NS).text
        identifier = identifier or old_id
        xml = etree.tostring(record, encoding="unicode").replace(old_id, identifier).replace(
            REAL_HOST, self.server.url)
        record = etree.fromstring(xml)
        if modified:
            # A publication that newly appears is dated about when it appears.
            for name in ("modified", "available", "date", "issued"):
                node = record.find(f".//dcterms:{name}", NS)
                if node is not None:
                    node.text = modified
        if title:
            record.find(".//dcterms:title", NS).text = title
        for name in without:  # fields the live service may leave out
            for node in record.findall(f".//ow:{name}", NS):
                node.getparent().remove(node)
        if stamp:
            for name in ("datumTijdstipWijzigingExpression", "datumTijdstipWijzigingWork"):
                node = record.find(f".//ow:{name}", NS)
                if node is not None:
                    node.text = stamp
        self.records = [r for r in self.records if self.identifier(r) != identifier] + [record]
        prefix = "kv-tk" if identifier.startswith("kv-tk") else "ah-tk" if identifier.startswith("ah-tk") else "kst"
        for item in record.findall(".//gzd:itemUrl", NS):
            path = item.text[len(self.server.url):]
            if item.get("manifestation") == "xml":
                self.files[path] = content if content is not None else (self.folder / CONTENT[prefix]).read_bytes()
            elif item.get("manifestation") == "metadata":
                self.files[path] = (self.folder / METADATA[prefix]).read_bytes()
        return record

    @staticmethod
    def identifier(record) -> str:
        return record.find(".//dcterms:identifier", NS).text

    @staticmethod
    def modified(record) -> str:
        return record.find(".//dcterms:modified", NS).text

    # ------------------------------------------------------------ HTTP
    def handle(self, request: Request) -> Response:
        if self.failures:
            return Response(self.failures.pop(0), b"unavailable")
        if request.path == "/sru":
            return self._search(request)
        if request.path in self.files:
            return Response(200, self.files[request.path], {"Content-Type": "application/xml"})
        return Response(404, b"not found")

    def _search(self, request: Request) -> Response:
        if self.diagnostic:
            text = (self.folder / DIAGNOSTICS).read_text()
            body = re.search(r"<searchRetrieveResponse.*?</searchRetrieveResponse>", text, re.S).group()
            return Response(200, ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode(),
                            {"Content-Type": "application/xml"})
        query = request.query.get("query", "")
        m = re.search(r"dt\.modified>=(\S+)", query)
        rows = [r for r in self.records if not m or self.modified(r) >= m.group(1)]
        rows.sort(key=self.modified)
        start = int(request.query.get("startRecord", 1))
        size = int(request.query.get("maximumRecords", 10))
        page = rows[start - 1: start - 1 + size]
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<sru:searchRetrieveResponse xmlns:sru="%s" xmlns:gzd="%s" xmlns:dcterms="%s" '
               'xmlns:overheidwetgeving="%s" xmlns:c="http://standaarden.overheid.nl/collectie/">'
               % (NS["sru"], NS["gzd"], NS["dcterms"], NS["ow"]),
               "<sru:version>2.0</sru:version>", f"<sru:numberOfRecords>{len(rows)}</sru:numberOfRecords>",
               "<sru:records>"]
        for position, record in enumerate(page, start):
            record = copy.deepcopy(record)
            record.find("sru:recordPosition", NS).text = str(position)
            out.append(etree.tostring(record, encoding="unicode"))
        out.append("</sru:records>")
        if start - 1 + size < len(rows):
            out.append(f"<sru:nextRecordPosition>{start + len(page)}</sru:nextRecordPosition>")
        out.append("</sru:searchRetrieveResponse>")
        return Response(200, "\n".join(out).encode(), {"Content-Type": "application/xml; charset=utf-8"})
