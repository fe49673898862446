"""The loopback SyncFeed (watcher/demo/syncfeed.py) with the recorded rows and files of tests/fixtures/tk.

The helpers build recorded OData rows with their expansions (the only recorded Tweede Kamer data with
whole records); the fake takes each apart into the entities the SyncFeed has for it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from watcher.demo.syncfeed import FakeSyncFeed

FIXTURES = Path(__file__).parent.parent / "fixtures"
ODATA = FIXTURES / "tk" / "odata"
RESOURCES = FIXTURES / "tk" / "resources"
PUBLICATIONS = FIXTURES / "tk" / "publications"

FILES = {
    "application/pdf": RESOURCES / "motie__d7a5dc6c-3636-4acd-8630-96c14e97dcce.pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        RESOURCES / "motie__09b97518-8d7c-4a90-a090-28e45bc44920.docx",
    "application/msword": RESOURCES / "motie__ca71487f-866a-43aa-a9d5-ec3e2c3a236c.doc",
}


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


class FakeTK(FakeSyncFeed):
    """The fake with the recorded files of tests/fixtures/tk/resources."""

    def __init__(self, page_size: int = 250):
        super().__init__(FILES, page_size)


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


RECORDED_MEETING = "ad15b461-48eb-4607-9f1e-e85498fba16a"  # the Activiteit of the recorded vote's agendapunt


def recorded_vote() -> tuple[dict, dict]:
    """The recorded Besluit ("Stemmen - aangenomen", Met handopsteken) and its Stemming row for
    GroenLinks-PvdA (odata/stemming__expand_besluit_agendapunt_zaak__row1_of_3.json). The Besluit comes
    with its recorded Zaak (2025Z17647, a motie) as `Zaak` (a Collection(Zaak) navigation of Besluit in the
    recorded $metadata); the Zaak's actors and dossier are built, in the ZaakActor shape used above."""
    row = json.loads((ODATA / "stemming__expand_besluit_agendapunt_zaak__row1_of_3.json").read_text())["value"][0]
    besluit = {k: v for k, v in row["Besluit"].items() if k != "Agendapunt"}
    zaak = copy.deepcopy(row["Besluit"]["Agendapunt"]["Zaak"][0])
    zaak["ZaakActor"] = [_actor("Zaak", zaak["Id"], "L. Bromet", "GroenLinks-PvdA", "Indiener"),
                         _actor("Zaak", zaak["Id"], "C. Stoffer", "SGP", "Medeindiener")]
    zaak["Kamerstukdossier"] = [{"Id": "4f1e0000-0000-4000-8000-000000030950", "Nummer": 30950, "Toevoeging": None,
                                 "Titel": "Rassendiscriminatie", "Verwijderd": False}]
    besluit["Zaak"] = [zaak]
    stemming = {k: v for k, v in row.items() if k not in ("Besluit", "Fractie", "Persoon")}
    return besluit, stemming


def position(template: dict, fractie: str, soort: str, seats: int, vergissing: bool = False,
             member: str | None = None) -> dict:
    """Another Stemming row in the recorded shape: a fractie's position, or (with `member`) one member's in
    a hoofdelijke stemming (Persoon_Id set, ActorNaam the member, as in the recorded page)."""
    import uuid
    row = copy.deepcopy(template)
    row.update(Id=str(uuid.uuid4()), Soort=soort, FractieGrootte=seats, ActorFractie=fractie, Vergissing=vergissing,
               ActorNaam=member or fractie, Persoon_Id=str(uuid.uuid4()) if member else None,
               SidActorLid="S-1-0" if member else None)
    return row


def activity(ident: str, start, soort: str = "Commissiedebat", status: str = "Gepland", **fields) -> dict:
    """An Activiteit row, built from the recorded $metadata's properties (no Activiteit page is recorded
    here), with the recorded Agendapunt of the recorded vote (Zaak 2025Z17647) given dossier 30950, as
    `$expand=Agendapunt($expand=Zaak($expand=Kamerstukdossier))` gives it."""
    row = json.loads((ODATA / "stemming__expand_besluit_agendapunt_zaak__row1_of_3.json").read_text())["value"][0]
    punt = copy.deepcopy(row["Besluit"]["Agendapunt"])
    punt["Activiteit_Id"] = ident
    punt["Zaak"][0]["Kamerstukdossier"] = [{"Id": "4f1e0000-0000-4000-8000-000000030950", "Nummer": 30950,
                                            "Toevoeging": None, "Titel": "Rassendiscriminatie", "Verwijderd": False}]
    end = start.replace(hour=start.hour + 2)
    return {"Id": ident, "Soort": soort, "Nummer": f"2026A{int(ident[-5:], 16) % 100000:05d}",
            "Onderwerp": "Discriminatie, racisme en mensenrechten", "DatumSoort": "Dag",
            "Datum": start.strftime("%Y-%m-%dT00:00:00+01:00"), "Aanvangstijd": start.strftime("%Y-%m-%dT%H:%M:%S+01:00"),
            "Eindtijd": end.strftime("%Y-%m-%dT%H:%M:%S+01:00"), "Locatie": "Thorbeckezaal", "Besloten": False,
            "Status": status, "Vergaderjaar": "2026-2027", "Kamer": 2, "Noot": None, "VRSNummer": None,
            "Voortouwnaam": "vaste commissie voor Binnenlandse Zaken", "Voortouwafkorting": "BiZa",
            "Voortouwkortenaam": "Binnenlandse Zaken", "GewijzigdOp": None, "Verwijderd": False,
            "Agendapunt": [punt], "VervangenDoor": [], "VervangenVanuit": [], **fields}


def parsed(fake: FakeSyncFeed) -> list:
    """Every entity the fake holds, as its XML is read by watcher's own parser, in feed order."""
    from lxml import etree

    from watcher.sources.tweedekamer.entities import parse
    ordered = sorted(fake.entities.values(), key=lambda e: e["token"])
    return [parse(etree.fromstring(fake._entity_xml(e).encode())) for e in ordered]


def mirrored(fake: FakeSyncFeed, folder):
    """The fake's entities in a mirror on a real store (SQLite, in `folder`)."""
    from watcher.sources.tweedekamer.mirror import Mirror
    from watcher.sources.tweedekamer.source import ROOTS
    from watcher.store import SqliteStore
    mirror = Mirror(SqliteStore(folder), "tk", ROOTS)
    mirror.apply(parsed(fake))
    return mirror


def vote_state(folder, besluit: dict, *stemmingen: dict) -> dict:
    """A recorded Besluit and Stemming rows, through the fake's XML, the parser and the mirror, assembled as
    the votes stream hands them to votes.decide."""
    from watcher.sources.tweedekamer import assemble
    fake = FakeTK()
    fake.put("Besluit", besluit)
    for row in stemmingen:
        fake.put("Stemming", dict(row, Besluit_Id=besluit["Id"]))
    mirror = mirrored(fake, folder)
    return {**assemble.vote_state(assemble.gather_vote(mirror, besluit["Id"].lower())), "told": {}}


def meeting_state(folder, row: dict, told: dict | None = None) -> dict:
    """An Activiteit row, through the fake's XML, the parser and the mirror, as the agenda stream hands it to
    agenda.decide (with what was `told` of it before)."""
    from watcher.sources.tweedekamer import assemble
    fake = FakeTK()
    fake.put("Activiteit", row)
    mirror = mirrored(fake, folder)
    return {**assemble.meeting_state(assemble.gather_meeting(mirror, row["Id"].lower())), "told": told or {}}


def store_recorded_fracties(store) -> None:
    """The recorded Fractie page (odata/fractie__page_value_array.json) in a store's mirror, as a first run
    would leave it: the parties a bot or `watcher check` knows names by."""
    from watcher.sources.tweedekamer.entities import Entity
    for row in json.loads((ODATA / "fractie__page_value_array.json").read_text()):
        entity = Entity("Fractie", row["Id"], fields={"afkorting": row["Afkorting"], "naamNl": row["NaamNL"],
                                                      "naamEn": row["NaamEN"]})
        store.put_entity("Fractie", entity.id, entity.to_dict(), [])
