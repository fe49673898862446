"""`watcher migrate`: a SQLite or TinyDB state copied into PostgreSQL whole, checked before it is committed."""

import pytest

from watcher import store as stores
from watcher.commands.migrate import _summary
from watcher.model import Alert, Block, Document, Meta, StoredDocument, Version


def _a_lived_in_state(state_dir, kind: str) -> dict:
    """A state as a watcher leaves it: documents with two versions, cursors, a question, a vote, a chat,
    alerts sent and pending (one confirmed only in outbox.log)."""
    store = stores.open_store(state_dir, kind=kind)
    v1 = store.put_text(Document([Block("Vraag 1", kind="question", label="Vraag 1")]))
    v2 = store.put_text(Document([Block("Vraag 1", kind="question", label="Vraag 1"), Block("Antwoord 1: nee.")]))
    store.put_document(StoredDocument(key="2026D00001", source="tk", stamp="s1",
                                      meta=Meta(soort="Schriftelijke vragen", titel="Over Xinjiang",
                                                aliases=["tk-id:1", "zaak:2026Z00001"]),
                                      versions=[Version("1", v1, "v1:10", "2026-11-01T00:00:00+00:00"),
                                                Version("2", v2, "v2:20", "2026-11-02T00:00:00+00:00")],
                                      alerted=["chat 7"]))
    store.put_document(StoredDocument(key="2026D00002", source="tk", meta=Meta(soort="Motie"), text_pending=True,
                                      versions=[Version("1", "", "v1:0", "2026-11-03T00:00:00+00:00")]))
    store.set_cursor("tk", {"stamp": "2026-11-03T00:00:00.0000000"})
    store.set_cursor("tk/votes", {"Besluit": "x", "pending": []})
    store.set_health("tk", {"last_success": "2026-11-03T00:00:00+00:00"})
    store.set_question("2026Z00001", {"asked": "2026-11-01", "answered": ""})
    store.set_event_state("vote", "b1", {"result": "aangenomen"})
    store.set_chat_rules({"chat:7": {"started": True, "keywords": ["Xinjiang"]}})
    # The Tweede Kamer's mirror: an entity with its parents, and a root its change marked.
    store.put_entity("ZaakActor", "a1", {"c": "ZaakActor", "i": "a1", "f": {"actorNaam": "Ceder"}}, ["z1", "p1"])
    store.set_touched("tk/Document", {"d1": 4})
    for n in range(3):
        store.enqueue(Alert(id=f"chat 7|2026D0000{n}|new", subscriber="chat 7", document=f"2026D0000{n}",
                            kind="new", title="t", created=f"2026-11-0{n + 1}T00:00:00+00:00"))
    store.mark_sent("chat 7|2026D00000|new", "telegram")
    store.flush()
    store.mark_sent("chat 7|2026D00001|new", "telegram")  # confirmed in outbox.log, not yet in the tables
    store.close()
    return {"texts": {v1, v2}}


@pytest.mark.parametrize("kind", ["sqlite", "tinydb"])
def test_a_local_state_arrives_whole_in_postgresql_and_the_source_is_left_as_it_was(
        tmp_path, kind, postgres_dsn, watcher_cli):
    state = tmp_path / "state"
    made = _a_lived_in_state(state, kind)
    log = (state / "outbox.log").read_bytes()
    with stores.open_store(state, readonly=True, kind=kind) as source:
        before = _summary(source)
    code, out, err = watcher_cli("migrate", "--from", state, "--to", postgres_dsn)
    assert code == 0, err
    assert "2 documents, 2 texts" in out and "3 alerts (1 pending)" in out and "counts and hashes agree" in out
    with stores.open_store(state, readonly=True, kind=kind) as source:
        assert _summary(source) == before and (state / "outbox.log").read_bytes() == log
    with stores.open_store(state, readonly=True, kind="postgresql", dsn=postgres_dsn) as pg:
        doc = pg.document("2026D00001")
        assert [v.version for v in doc.versions] == ["1", "2"] and doc.alerted == ["chat 7"]
        assert {pg.text(h).blocks[0].text for h in made["texts"]} == {"Vraag 1"}
        assert pg.find_alias("zaak:2026Z00001") == "2026D00001"
        assert [d.key for d in pg.pending_texts("tk")] == ["2026D00002"]
        assert pg.cursor("tk/votes") == {"Besluit": "x", "pending": []}
        assert pg.question("2026Z00001") == {"asked": "2026-11-01", "answered": ""}
        assert [e["f"] for e in pg.children("ZaakActor", "z1")] == [{"actorNaam": "Ceder"}]
        assert pg.touched("tk/Document") == {"d1": 4}
        assert pg.event_state("vote", "b1") == {"result": "aangenomen"}
        assert pg.chat_rule("chat:7")["keywords"] == ["Xinjiang"]
        assert [a.id for a in pg.pending_alerts()] == ["chat 7|2026D00002|new"]  # the two sent stay sent
        assert [a.id for a in pg.recent_sent("chat 7", 10)][-1] == "chat 7|2026D00000|new"


def test_a_database_that_holds_a_state_is_not_migrated_into(tmp_path, postgres_dsn, watcher_cli):
    _a_lived_in_state(tmp_path / "state", "sqlite")
    assert watcher_cli("migrate", "--from", tmp_path / "state", "--to", postgres_dsn)[0] == 0
    code, out, err = watcher_cli("migrate", "--from", tmp_path / "state", "--to", postgres_dsn)
    assert code == 3 and "already holds a watcher state" in err


def test_a_copy_that_differs_commits_nothing(tmp_path, postgres_dsn, watcher_cli, monkeypatch):
    _a_lived_in_state(tmp_path / "state", "sqlite")
    real = stores.PostgresStore.take_state
    monkeypatch.setattr(stores.PostgresStore, "take_state",
                        lambda self, kind, key, value: None if kind == "question" else real(self, kind, key, value))
    code, out, err = watcher_cli("migrate", "--from", tmp_path / "state", "--to", postgres_dsn)
    assert code == 3 and "differs" in err and "state" in err
    with stores.open_store(tmp_path, readonly=True, kind="postgresql", dsn=postgres_dsn) as pg:
        assert pg.count_documents() == 0 and pg.cursor("tk") is None


def test_a_migrate_stopped_by_sigterm_says_so_and_commits_nothing(tmp_path, postgres_dsn, spawn):
    import signal
    import time

    import psycopg
    state = tmp_path / "state"
    store = stores.open_store(state)
    for n in range(6000):
        text = store.put_text(Document([Block(f"Tekst van stuk {n}, lang genoeg om iets te kosten. " * 20)]))
        store.put_document(StoredDocument(key=f"2026D{n:05d}", source="tk", meta=Meta(soort="Motie"),
                                          versions=[Version("1", text, "v1", "2026-11-01T00:00:00+00:00")]))
    store.flush()
    store.close()
    proc = spawn("migrate", "--from", state, "--to", postgres_dsn)
    with psycopg.connect(postgres_dsn, autocommit=True) as db:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not db.execute(  # into the copy: its inserts under way
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'watcher %' "
                "AND datname = current_database() AND query LIKE 'INSERT INTO texts%'").fetchone()[0]:
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, (proc.returncode, out, err)
        assert err.strip() == (f"watcher: migrate stopped by SIGTERM: nothing was committed, {state} is as it was; "
                               "run it again"), err
        assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0


def test_a_migrate_stopped_while_its_query_waits_in_the_database_says_only_so(tmp_path, postgres_dsn, spawn):
    """SIGTERM while a statement is under way (here: waiting for the schema lock another session holds) must
    leave the connection able to roll back: the query is cancelled, and stderr holds our sentence, not a
    driver's warning about a rollback that failed."""
    import signal
    import time

    import psycopg

    from watcher.store._postgres import _MIGRATING
    state = tmp_path / "state"
    _a_lived_in_state(state, "sqlite")
    with psycopg.connect(postgres_dsn) as holder, psycopg.connect(postgres_dsn, autocommit=True) as db:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATING,))
        proc = spawn("migrate", "--from", state, "--to", postgres_dsn)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'watcher %' AND state = 'active' "
                "AND wait_event_type = 'Lock' AND datname = current_database()").fetchone()[0]:
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        holder.rollback()
        assert proc.returncode == 3, (proc.returncode, out, err)
        assert err.strip() == (f"watcher: migrate stopped by SIGTERM: nothing was committed, {state} is as it was; "
                               "run it again"), err
        assert db.execute("SELECT to_regclass('watcher_schema')").fetchone()[0] is None
