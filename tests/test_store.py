"""The three stores (SQLite, the default; TinyDB; PostgreSQL): writes become durable together at flush, a sent
mark at once, a foreign or newer state is refused and never misread."""

import functools
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from watcher import store as stores
from watcher.model import Alert, Block, Document, Meta, StoredDocument, Version
from watcher.store import SCHEMA_VERSION, StoreError


@pytest.fixture(params=["sqlite", "tinydb", "postgresql"])
def kind(request):
    return request.param


@pytest.fixture
def open_store(kind, request):
    if kind == "postgresql":
        dsn = request.getfixturevalue("postgres_dsn")  # the state is the database: the folder plays no part
        return lambda state_dir, readonly=False: stores.open_store(state_dir, readonly, kind=kind, dsn=dsn)
    return functools.partial(stores.open_store, kind=kind)


def doc(key="2022D27850", h="abc"):
    return StoredDocument(key=key, source="tk", meta=Meta(titel="t", aliases=[f"tk-id:{key}"]),
                          versions=[Version("3", h, "v3:100", "2026-11-23T00:00:00+00:00")])


def test_nothing_is_durable_before_flush_and_everything_after(tmp_path, open_store):
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


def test_an_alert_is_enqueued_once_per_id(tmp_path, open_store):
    store = open_store(tmp_path)
    alert = Alert(id="a|k|new", subscriber="a", document="k", kind="new", title="t")
    assert store.enqueue(alert) is True
    assert store.enqueue(alert) is False
    assert [a.id for a in store.pending_alerts()] == ["a|k|new"]


def test_the_copies_of_an_alert_on_its_channels_are_each_their_own_and_a_feed_reads_its_own(tmp_path, open_store):
    from watcher.deliver.channels import copies
    from watcher.settings import Channel, Subscriber

    store = open_store(tmp_path)
    channels = (Channel("email", "a@example.nl"), Channel("feed"))
    for i in range(3):
        alert = Alert(id=f"a|k{i}|new", subscriber="a", document=f"k{i}", kind="new", title=f"t{i}",
                      created=f"2026-12-0{i + 1}T10:00:00+00:00")
        for copy in copies(alert, Subscriber(name="a", telegram=7, channels=channels)):
            assert store.enqueue(copy)
    store.flush()
    pending = store.pending_alerts()
    assert [(a.id, a.channel) for a in pending[:3]] == [
        ("a|k0|new", ""), ("a|k0|new#email:a@example.nl", "email:a@example.nl"), ("a|k0|new#feed", "feed")]
    for alert in pending:
        store.mark_sent(alert.id, {"": "telegram", "feed": "feed"}.get(alert.channel, "email"))
    store.flush()
    assert [a.id for a in store.recent_sent("a", 10, how="feed")] == ["a|k2|new#feed", "a|k1|new#feed", "a|k0|new#feed"]
    assert [a.id for a in store.recent_sent("a", 2)] == ["a|k2|new", "a|k1|new"]  # /recent: Telegram's


def test_a_sent_mark_is_durable_at_once_without_flush(tmp_path, open_store):
    store = open_store(tmp_path)
    store.enqueue(Alert(id="a|k|new", subscriber="a", document="k", kind="new", title="t"))
    store.flush()
    store.mark_sending("a|k|new")
    store.mark_sent("a|k|new", "telegram")
    store.close()  # no flush: as if killed
    assert open_store(tmp_path).pending_alerts() == []


def test_a_send_started_but_not_confirmed_is_known_and_still_pending(tmp_path, open_store):
    store = open_store(tmp_path)
    store.enqueue(Alert(id="a|k|new", subscriber="a", document="k", kind="new", title="t"))
    store.flush()
    store.mark_sending("a|k|new")
    store.close()
    again = open_store(tmp_path)
    assert again.in_flight() == ["a|k|new"]
    assert [a.id for a in again.pending_alerts()] == ["a|k|new"]


def test_texts_are_stored_once_by_content(tmp_path, open_store, kind):
    store = open_store(tmp_path)
    d = Document(blocks=[Block("Vraag 1", kind="question", label="Vraag 1")])
    h1, h2 = store.put_text(d), store.put_text(Document(blocks=[Block("Vraag 1", kind="question", label="Vraag 1")]))
    assert h1 == h2 == d.content_hash()
    store.flush()
    if kind == "postgresql":
        assert store.db.execute("SELECT count(*) FROM texts").fetchone()[0] == 1
    else:
        assert len(list((tmp_path / "texts").rglob("*.json.gz"))) == 1
    assert open_store(tmp_path).text(h1) == d


def test_the_state_holds_metadata_and_texts_are_files_beside_it(tmp_path, open_store, kind):
    store = open_store(tmp_path)
    h = store.put_text(Document(blocks=[Block("Het antwoord op vraag 7 luidt: nee.")]))
    store.put_document(doc(h=h))
    store.flush()
    if kind == "postgresql":
        # In the database, beside the documents rather than in them: a folder is not there for a watcher on
        # another machine.
        [row] = store.db.execute("SELECT data::text FROM documents").fetchall()
        assert "antwoord op vraag 7" not in row[0] and h in row[0]
        assert store.db.execute("SELECT count(*) FROM texts WHERE hash = %s", (h,)).fetchone()[0] == 1
        store.close()
        return
    store.close()
    state = (tmp_path / ("watcher.db" if kind == "sqlite" else "documents.json")).read_bytes()
    assert b"antwoord op vraag 7" not in state
    assert h.encode() in state


def test_a_store_of_the_other_kind_is_named_not_overwritten(tmp_path):
    stores.open_store(tmp_path, kind="tinydb").close()
    with pytest.raises(StoreError, match="holds a tinydb store.*set `store: tinydb`"):
        stores.open_store(tmp_path, kind="sqlite")
    assert not (tmp_path / "watcher.db").exists()


def test_sent_alerts_are_pruned_after_the_retention_and_pending_ones_never(tmp_path, open_store, monkeypatch):
    store = open_store(tmp_path)
    for n in range(3):
        store.enqueue(Alert(id=f"a|k{n}|new", subscriber="a", document=f"k{n}", kind="new", title="t"))
    store.mark_sent("a|k0|new", "telegram")
    store.mark_sent("a|k1|new", "telegram")
    store.flush()
    store.close()
    later = datetime.now(timezone.utc) + stores._local.OUTBOX_KEEP + timedelta(days=1)
    monkeypatch.setattr(stores._local, "datetime", _Frozen(later))
    store = open_store(tmp_path)
    store.flush()
    store.close()
    store = open_store(tmp_path)
    assert [a.id for a in store.pending_alerts()] == ["a|k2|new"]
    assert store.enqueue(Alert(id="a|k0|new", subscriber="a", document="k0", kind="new", title="t")) is True  # gone


class _Frozen:
    """A stand-in for the datetime class whose now() is a fixed moment."""

    def __init__(self, moment):
        self.moment = moment

    def now(self, tz=None):
        return self.moment


def _set_schema(tmp_path, kind, version, store=None):
    if kind == "postgresql":
        store.db.execute("UPDATE watcher_schema SET version = %s", (version,))
        store.db.commit()
    elif kind == "sqlite":
        with sqlite3.connect(tmp_path / "watcher.db") as db:
            db.execute(f"PRAGMA user_version = {version}")
    else:
        state = json.loads((tmp_path / "state.json").read_text())
        state["meta"]["1"]["value"] = version
        (tmp_path / "state.json").write_text(json.dumps(state))


def _damage(tmp_path, kind):
    if kind == "sqlite":
        (tmp_path / "watcher.db").write_bytes(b"SQLite format 3\x00" + b"\x17" * 200)
    else:
        (tmp_path / "state.json").write_text('{"meta": {"1": ')


def test_a_state_from_a_newer_schema_is_refused(tmp_path, open_store, kind):
    store = open_store(tmp_path)
    _set_schema(tmp_path, kind, (store.SCHEMA if kind == "postgresql" else SCHEMA_VERSION) + 1, store)
    store.close()
    with pytest.raises(StoreError, match="newer watcher"):
        open_store(tmp_path)


@pytest.fixture(params=["sqlite", "tinydb"])
def local_kind(request):
    """The stores whose files are ours (PostgreSQL keeps its own)."""
    return request.param


def test_a_damaged_file_gets_a_message_that_says_what_to_do(tmp_path, local_kind):
    kind, open_store = local_kind, functools.partial(stores.open_store, kind=local_kind)
    open_store(tmp_path).close()
    _damage(tmp_path, kind)
    with pytest.raises(StoreError, match="restore it from a backup"):
        open_store(tmp_path)


def test_a_refused_state_stops_run_with_exit_3(tmp_path, write_config, watcher_cli):
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": "http://127.0.0.1:9"}])
    state = tmp_path / "state"
    stores.open_store(state).close()
    _set_schema(state, "sqlite", 99)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 3 and "newer watcher" in err
    assert sqlite3.connect(state / "watcher.db").execute("PRAGMA user_version").fetchone()[0] == 99  # untouched


def test_a_reader_beside_a_running_writer_sees_the_last_flush_and_cannot_write(tmp_path, open_store):
    assert open_store(tmp_path / "none", readonly=True).count_documents() == 0  # nothing made yet, nothing made
    assert not (tmp_path / "none").exists()
    writer = open_store(tmp_path)
    writer.put_document(doc("2022D00001"))
    writer.flush()
    writer.put_document(doc("2022D00002"))  # not flushed: a cycle in progress
    reader = open_store(tmp_path, readonly=True)
    assert reader.document("2022D00001") is not None and reader.document("2022D00002") is None
    with pytest.raises(StoreError, match="read-only"):
        reader.flush()
    reader.close()
    writer.flush()
    writer.close()


def test_rollback_forgets_every_write_since_the_flush_but_not_a_confirmed_send(tmp_path, open_store):
    store = open_store(tmp_path)
    store.put_document(doc("2022D00001"))
    store.set_cursor("tk", {"stamp": "1"})
    store.enqueue(Alert(id="a|k|new", subscriber="a", document="k", kind="new", title="t"))
    store.flush()
    changed = store.document("2022D00001")
    changed.versions.append(Version("4", "def", "v4:1", "2026-11-23T01:00:00+00:00"))
    store.put_document(changed)
    store.put_document(doc("2022D00002"))
    store.set_cursor("tk", {"stamp": "2"})
    store.enqueue(Alert(id="a|k2|new", subscriber="a", document="k2", kind="new", title="t"))
    store.mark_sent("a|k|new", "telegram")  # delivered meanwhile: that stays true
    store.rollback()
    assert [v.version for v in store.document("2022D00001").versions] == ["3"]
    assert store.document("2022D00002") is None and store.find_alias("tk-id:2022D00002") is None
    assert store.cursor("tk") == {"stamp": "1"}
    assert store.pending_alerts() == []
    store.flush()
    store.close()
    assert open_store(tmp_path).pending_alerts() == []


def test_a_database_that_goes_away_is_a_store_error_that_says_so(tmp_path, postgres_server):
    from tests.postgres import Server
    private = Server().start()  # one of its own, to stop under the store
    try:
        store = stores.open_store(tmp_path, kind="postgresql", dsn=private.new_database())
        store.put_document(doc())
        private._as_owner(str(private.bin / "pg_ctl"), "-D", str(private.data), "-m", "immediate", "stop")
        with pytest.raises(StoreError, match="cannot be used now") as lost:
            store.document("2022D27850")
        assert "\n" not in str(lost.value)  # one line, as the README promises
        store.close()
    finally:
        private.stop()


def test_both_ends_of_a_database_connection_notice_a_silent_peer_and_the_dsns_own_values_are_kept(postgres_dsn):
    """TCP keepalives and a user timeout on the client (libpq) and on the server (the session's settings), and
    a connect timeout: a partition is noticed by the kernels within a minute. What the DSN says wins."""
    with stores.open_store(None, kind="postgresql", dsn=postgres_dsn + "?keepalives_idle=42") as store:
        for connection in (store.db, store.marks):
            client = connection.info.get_parameters()
            assert (client["keepalives"], client["keepalives_idle"], client["keepalives_count"],
                    client["tcp_user_timeout"], client["connect_timeout"]) == ("1", "42", "3", "30000", "10")
            server = [connection.execute(f"SHOW {name}").fetchone()[0] for name in
                      ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count", "tcp_user_timeout")]
            assert server == ["10", "5", "3", "30000"], server


def test_a_file_helper_that_loses_the_database_says_so_in_one_line(tmp_path, postgres_server, caplog):
    """A watcher standing by reads files for the others (share.py); a lost database is a line in its log, not
    a traceback at every look."""
    import asyncio

    from tests.postgres import Server
    from watcher.engine.share import Helper
    private = Server().start()
    try:
        store = stores.open_store(tmp_path, kind="postgresql", dsn=private.new_database())
        private._as_owner(str(private.bin / "pg_ctl"), "-D", str(private.data), "-m", "immediate", "stop")
        caplog.set_level("WARNING")

        async def look():
            stop = asyncio.Event()
            helping = asyncio.create_task(Helper(store, [], stop).run())
            while not any("could not look for files" in r.getMessage() for r in caplog.records):
                await asyncio.sleep(0.01)
            stop.set()
            await helping

        asyncio.run(asyncio.wait_for(look(), 30))
        [said, *_] = [r for r in caplog.records if "could not look for files" in r.getMessage()]
        assert said.exc_info is None and "\n" not in said.getMessage() and "cannot be used now" in said.getMessage()
        store.close()
    finally:
        private.stop()


def test_a_database_that_cannot_be_reached_is_one_line_that_says_what_to_check(tmp_path, write_config, watcher_cli):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": "http://127.0.0.1:9/"}], [],
                          store="postgresql", dsn=f"postgresql://watcher@127.0.0.1:{port}/watcher")
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 3 and len(err.strip().splitlines()) == 1, err
    assert "cannot reach the database" in err and "is PostgreSQL running" in err


def test_two_watchers_on_one_database_never_interleave_a_read_modify_write(postgres_dsn):
    """Each bumps a shared state row 40 times, reading it, yielding (another watcher runs meanwhile) and
    writing it back, under its write lock: none of the 80 bumps is lost."""
    import asyncio
    import threading

    def watcher():
        store = stores.open_store(None, kind="postgresql", dsn=postgres_dsn)

        async def bump():
            for _ in range(40):
                async with store.write_lock():
                    seen = (store.question("2025Z00001") or {}).get("bumps", 0)
                    await asyncio.sleep(0.001)
                    store.set_question("2025Z00001", {"bumps": seen + 1})
        try:
            asyncio.run(bump())
        finally:
            store.close()

    threads = [threading.Thread(target=watcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with stores.open_store(None, readonly=True, kind="postgresql", dsn=postgres_dsn) as store:
        assert store.question("2025Z00001") == {"bumps": 80}


def test_a_nul_in_upstream_metadata_is_stored_not_a_failure_at_every_cycle(tmp_path, open_store):
    """PostgreSQL's jsonb cannot hold U+0000; an upstream title, Soort or cursor stamp with one is kept with
    U+FFFD there (as is elsewhere), and nothing else changes."""
    store = open_store(tmp_path)
    hostile = StoredDocument(key="2022D27850", source="tk", meta=Meta(titel="Motie\x00 van", soort="Mo\x00tie"))
    store.put_document(hostile)
    store.enqueue(Alert(id="a|2022D27850|new", subscriber="a", document="2022D27850", kind="new",
                        title="Motie\x00 van", snippet="a \\u0000 b"))
    store.set_cursor("tk", {"stamp": "2025\x00"})
    store.flush()
    store.close()
    again = open_store(tmp_path, readonly=True)
    assert again.document("2022D27850").meta.titel in ("Motie\x00 van", "Motie\ufffd van")
    [alert] = again.pending_alerts()
    assert alert.title in ("Motie\x00 van", "Motie\ufffd van") and alert.snippet == "a \\u0000 b"
    assert again.cursor("tk")["stamp"] in ("2025\x00", "2025\ufffd")
    again.close()


def test_a_value_the_database_refuses_fails_its_page_not_the_watcher(tk, write_config, watcher_cli, postgres_dsn):
    """A document number of 8,000 characters is too long for PostgreSQL's index (SQLite takes it): the page
    is rolled back and the source reported failing with the reason, as for a malformed page, with no
    traceback; the next good page goes on once upstream mends it."""
    from tests.fakes.tk import page_rows
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    import random
    rng = random.Random(19)
    noise = "".join(rng.choice("0123456789ABCDEF") for _ in range(8000))  # not compressible
    row = tk.add(dict(page_rows()[0], DocumentNummer="2025D" + noise))
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "since": since}],
                          [{"name": "all", "keywords": ["Kamer"]}], store="postgresql", dsn=postgres_dsn)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 1 and "refused a value" in err and "Traceback" not in err, err
    with stores.open_store(None, readonly=True, kind="postgresql", dsn=postgres_dsn) as store:
        assert store.count_documents() == 0 and "refused a value" in store.health("tk")["last_error"]
    doc = tk.entities[("Document", row["Id"])]  # upstream mends it
    tk.put_entity("Document", row["Id"], {**doc["fields"], "documentNummer": "2025D99999"}, doc["refs"],
                  content_type=doc["content_type"], content_length=doc["content_length"])
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    with stores.open_store(None, readonly=True, kind="postgresql", dsn=postgres_dsn) as store:
        assert store.count_documents() == 1 and store.health("tk")["last_error"] == ""


def test_the_mirror_keeps_entities_finds_children_and_is_durable_only_at_flush(tmp_path, open_store):
    store = open_store(tmp_path)
    store.put_entity("DocumentActor", "a1", {"c": "DocumentActor", "i": "a1", "f": {"actorNaam": "Ceder"}},
                     ["d1", "p1"])
    store.put_entity("DocumentActor", "a2", {"c": "DocumentActor", "i": "a2"}, ["d1"])
    store.set_touched("tk/Document", {"d1": 1, "d2": 2})
    store.flush()
    # The actor moves to another document: found under the new parent only.
    store.put_entity("DocumentActor", "a1", {"c": "DocumentActor", "i": "a1", "f": {"actorNaam": "Ceder"}}, ["d2"])
    store.drop_touched("tk/Document", ["d1"])
    assert [e["i"] for e in store.children("DocumentActor", "d1")] == ["a2"]
    assert [e["i"] for e in store.children("DocumentActor", "d2")] == ["a1"]
    assert store.children("Document", "d2") == [] and store.touched("tk/Document") == {"d2": 2}
    store.rollback()
    assert sorted(e["i"] for e in store.children("DocumentActor", "d1")) == ["a1", "a2"]
    assert store.touched("tk/Document") == {"d1": 1, "d2": 2}
    store.put_entity("Fractie", "f1", {"c": "Fractie", "i": "f1"}, [])
    store.close()
    again = open_store(tmp_path)
    assert again.entity("DocumentActor", "a1")["f"] == {"actorNaam": "Ceder"}
    assert again.entity("Fractie", "f1") is None  # never flushed
    assert [e["i"] for e in again.entities("DocumentActor")] == ["a1", "a2"] and again.count_entities() == 2
    assert again.touched("tk/Document") == {"d1": 1, "d2": 2}
    again.close()
