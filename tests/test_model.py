"""The model's plain form: what the stores write and read back."""

import dataclasses

from watcher.model import NEW, Actor, Alert, Block, Document, Meta, StoredDocument, Version


def test_a_stored_document_its_text_and_an_alert_are_written_as_asdict_writes_them():
    # to_dict skips asdict's deep copy, and passes a leaf on without a call: the result must be the same, nested
    # dataclasses, lists of them, dicts in lists and the values an enum or None included.
    doc = StoredDocument(key="2026D00001", source="tk", meta=Meta(soort="Motie", titel="Over Xinjiang", actors=[
        Actor("Ceder", role="Indiener", party="ChristenUnie", aka=["CU"])]),
        versions=[Version("1", "h1", "f1", "2026-11-01T00:00:00+00:00"), Version("2", "", "f2", "2026-11-02", rank=3)],
        failure={"count": 2, "error": None, "nested": {"a": [1, 2.5, True]}}, alerted=["chat 7"])
    text = Document([Block("Vraag 1", kind="question", label="Vraag 1"), Block("Ja.")], metadata={
        "askers": [{"name": "Ceder", "party": "ChristenUnie"}], "pages": 2, "datum": None,
        "signed": {"first": Actor("Ceder")}})
    alert = Alert(id="chat 7|2026D00001|new", subscriber="chat 7", document="2026D00001", kind=NEW, title="Motie",
                  actors=[{"name": "Ceder", "role": "Indiener"}], reasons=["trefwoord Xinjiang"])
    for value in (doc, text, alert):
        assert value.to_dict() == dataclasses.asdict(value)
    assert text.to_dict()["blocks"][0] == {"text": "Vraag 1", "kind": "question", "label": "Vraag 1"}
    assert StoredDocument.from_dict(doc.to_dict()) == doc
