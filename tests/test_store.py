"""The TinyDB store: writes become durable together at flush, a foreign state is refused, never misread."""

import json

import pytest

from watcher.model import Alert, Block, Document, Meta, StoredDocument, Version
from watcher.store import SCHEMA_VERSION, StoreError, open_store


def doc(key="2022D27850", h="abc"):
    return StoredDocument(key=key, source="tk", meta=Meta(titel="t", aliases=[f"tk-id:{key}"]),
                          versions=[Version("3", h, "v3:100", "2026-11-23T00:00:00+00:00")])


def test_nothing_is_durable_before_flush_and_everything_after(tmp_path):
    store = open_store(tmp_path)
    store.put_document(doc())
    store.set_cursor("tk", {"stamp": "x"})
    store.enqueue(Alert(id="a|2022D27850|new", subscriber="a", document="2022D27850", kind="new", title="t"))
    store.close()
    again = open_store(tmp_path)
    assert again.document("2022D27850") is None and again.cursor("tk") is None
    again.put_document(doc())
    again.set_cursor("tk", {"stamp": "x"})
    again.flush()
    again.close()
    third = open_store(tmp_path)
    assert third.document("2022D27850").versions[0].hash == "abc"
    assert third.cursor("tk") == {"stamp": "x"}
    assert third.find_alias("tk-id:2022D27850") == "2022D27850"


def test_an_alert_is_enqueued_once_per_id(tmp_path):
    store = open_store(tmp_path)
    alert = Alert(id="a|k|new", subscriber="a", document="k", kind="new", title="t")
    assert store.enqueue(alert) is True
    assert store.enqueue(alert) is False
    assert [a.id for a in store.pending_alerts()] == ["a|k|new"]


def test_a_sent_mark_is_durable_at_once_without_flush(tmp_path):
    store = open_store(tmp_path)
    store.enqueue(Alert(id="a|k|new", subscriber="a", document="k", kind="new", title="t"))
    store.flush()
    store.mark_sending("a|k|new")
    store.mark_sent("a|k|new", "telegram")
    store.close()  # no flush: as if killed
    assert open_store(tmp_path).pending_alerts() == []


def test_a_send_started_but_not_confirmed_is_known_and_still_pending(tmp_path):
    store = open_store(tmp_path)
    store.enqueue(Alert(id="a|k|new", subscriber="a", document="k", kind="new", title="t"))
    store.flush()
    store.mark_sending("a|k|new")
    store.close()
    again = open_store(tmp_path)
    assert again.in_flight() == ["a|k|new"]
    assert [a.id for a in again.pending_alerts()] == ["a|k|new"]


def test_texts_are_stored_once_by_content(tmp_path):
    store = open_store(tmp_path)
    d = Document(blocks=[Block("Vraag 1", kind="question", label="Vraag 1")])
    h1, h2 = store.put_text(d), store.put_text(Document(blocks=[Block("Vraag 1", kind="question", label="Vraag 1")]))
    assert h1 == h2 == d.content_hash()
    store.flush()
    assert len(list((tmp_path / "texts").rglob("*.json.gz"))) == 1
    assert open_store(tmp_path).text(h1) == d


def test_the_tinydb_file_holds_metadata_only(tmp_path):
    store = open_store(tmp_path)
    h = store.put_text(Document(blocks=[Block("Het antwoord op vraag 7 luidt: nee.")]))
    store.put_document(doc(h=h))
    store.flush()
    assert "antwoord op vraag 7" not in (tmp_path / "documents.json").read_text()
    assert h in (tmp_path / "documents.json").read_text()


def test_a_state_from_a_newer_schema_is_refused(tmp_path):
    open_store(tmp_path).close()
    state = json.loads((tmp_path / "state.json").read_text())
    state["meta"]["1"]["value"] = SCHEMA_VERSION + 1
    (tmp_path / "state.json").write_text(json.dumps(state))
    with pytest.raises(StoreError, match="newer watcher"):
        open_store(tmp_path)


def test_a_damaged_file_gets_a_message_that_says_what_to_do(tmp_path):
    open_store(tmp_path).close()
    (tmp_path / "state.json").write_text('{"meta": {"1": ')
    with pytest.raises(StoreError, match="restore it from a backup"):
        open_store(tmp_path)


def test_a_refused_state_stops_run_with_exit_1(tmp_path, write_config, watcher_cli):
    config = write_config()
    state = tmp_path / "state"
    open_store(state).close()
    (state / "state.json").write_text('{"meta": {"1": {"key": "schema", "value": 99}}}')
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 1 and "newer watcher" in err
    assert json.loads((state / "state.json").read_text())["meta"]["1"]["value"] == 99  # untouched
