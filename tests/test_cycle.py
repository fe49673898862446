"""A whole poll cycle through `watcher run --once` against a loopback Tweede Kamer."""

import asyncio

import pytest

from tests.fakes.tk import page_rows, zaak_document
from watcher.commands.run import pause
from watcher.store import open_store


def tk_source(tk, **extra):
    return {"name": "tweedekamer", "kind": "tweedekamer", "url": tk.url, **extra}


def test_first_run_records_a_baseline_and_alerts_nothing(tk, write_config, watcher_cli):
    for row in page_rows()[:5]:
        tk.add(row)
    config = write_config([tk_source(tk)], [{"name": "all", "keywords": ["motie"]}])
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0
    assert out == ""
    assert "first run, starting from now" in err
    # It asked where the feed's head is (so a wrong URL fails now), read nothing from before, downloaded nothing.
    asked = [r for r in tk.server.requests if r.query.get("category") == "Document"]
    assert asked and all(r.query.get("skiptoken") for r in asked)
    assert not any("/Resources/" in r.path for r in tk.server.requests)


def test_a_first_run_that_cannot_reach_the_api_fails_and_records_no_baseline(tk, write_config, watcher_cli):
    config = write_config([tk_source(tk)], [{"name": "all", "keywords": ["motie"]}])
    tk.server.stop()  # nothing listens there now
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 1 and "cycle failed" in err and "Traceback" not in err
    code, out, err = watcher_cli("-c", config, "status")
    assert code != 0 and "never" in out.lower() + err.lower(), out + err


def test_documents_after_the_baseline_are_alerted_once(tk, write_config, watcher_cli):
    config = write_config([tk_source(tk)], [{"name": "moties", "keywords": ["motie"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    rows = [r for r in page_rows() if r["Soort"] in ("Motie", "Brief regering")][:6]
    for row in rows:
        tk.add(row)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    moties = [r["DocumentNummer"] for r in rows if r["Soort"] == "Motie"]
    for nummer in moties:
        assert out.count(f"nieuw: Motie {nummer}\n") == 1, out
    # The same state again: nothing new, nothing sent twice.
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert (code, out) == (0, "")


def test_a_source_that_fails_keeps_its_cursor_and_catches_up(tk, write_config, watcher_cli):
    config = write_config([tk_source(tk)], [{"name": "moties", "keywords": ["motie"]}])
    tk.add(zaak_document("zaak_2025Z11406__expand_document_huidigeversie__doc_2025D26209_v1_docx.json"))
    watcher_cli("-c", config, "run", "--once")
    with open_store(config.parent / "state", readonly=True) as store:
        cursor = store.cursor("tweedekamer/feed Document")["next"]
    row = tk.add(zaak_document("zaak_2025Z15314__expand_document_huidigeversie_publicaties__doc_2025D35454_v5.json"))
    tk.fail("Feed?category=Document", 500, 503, 500)
    code, first, err = watcher_cli("-c", config, "run", "--once")
    assert code == 1
    assert "Document at skiptoken" in err and "will retry next cycle" in err
    with open_store(config.parent / "state", readonly=True) as store:
        assert store.cursor("tweedekamer/feed Document")["next"] == cursor
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0
    # Told once: in the failing cycle already (its version, in another category, named it, and it was
    # asked for by id) or in the next.
    assert (first + out).count(f"nieuw: Motie {row['DocumentNummer']}\n") == 1


@pytest.mark.parametrize("cycle, wait", [(0.0, 30.0), (4.0, 26.0), (30.0, 0.0), (95.0, 0.0)])
def test_cycles_start_every_poll_interval_whatever_each_one_took(cycle, wait):
    """A cycle that took 4 s is followed 26 s later, not 30: a change waits at most one interval for its poll."""
    assert pause(started=1000.0, now=1000.0 + cycle, interval=30.0) == wait


@pytest.mark.parametrize("store", ["sqlite", "tinydb", "postgresql"])
@pytest.mark.parametrize("error, exit_code", [
    (AttributeError("'NoneType' object has no attribute 'strip'"), 70),  # a bug: the run ends
    (ValueError("a date no parser expected"), 1),  # data the source cannot read: that source fails this cycle
])
def test_a_page_that_fails_half_way_is_applied_again_whole_and_loses_no_alert(
        tk, write_config, watcher_cli, monkeypatch, store, error, exit_code, request):
    """One document of a page fails in a way nobody foresaw (a bug, data no parser expected) after another
    was already stored: the store goes back to its last flush, so the next run takes in the whole page,
    rather than finding the first document stored without its alert."""
    from watcher.engine import compare

    dsn = {"dsn": request.getfixturevalue("postgres_dsn")} if store == "postgresql" else {}
    config = write_config([tk_source(tk)], [{"name": "moties", "keywords": ["motie"]}], store=store, **dsn)
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    good, bad = [tk.add(r) for r in page_rows() if r["Soort"] == "Motie"][:2]
    real_apply = compare.apply
    good_stored = asyncio.Event()

    async def apply_with_a_bug(record, store, backlog_before, reader):
        if record.key == bad["DocumentNummer"]:
            await good_stored.wait()  # fail only once the good one is in the store
            raise error
        change = await real_apply(record, store, backlog_before, reader)
        if record.key == good["DocumentNummer"]:
            good_stored.set()
        return change

    monkeypatch.setattr(compare, "apply", apply_with_a_bug)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert good_stored.is_set() and code == exit_code, err
    monkeypatch.setattr(compare, "apply", real_apply)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    for row in (good, bad):
        assert out.count(f"nieuw: Motie {row['DocumentNummer']}\n") == 1, out


def test_the_next_page_is_asked_for_while_this_one_is_applied_and_its_failure_waits_its_turn():
    import asyncio
    from watcher.engine.ahead import read_ahead
    events = []

    async def pages():
        for n in range(3):
            events.append(f"ask {n}")
            await asyncio.sleep(0.01)  # the API's latency
            if n == 2:
                raise RuntimeError("page 2 failed")
            yield n

    async def consume():
        async for page in read_ahead(pages()):
            events.append(f"apply {page}")
            await asyncio.sleep(0.05)  # downloads and extraction of the page
            events.append(f"applied {page}")

    try:
        asyncio.run(consume())
    except RuntimeError as e:
        events.append(str(e))
    assert events[:3] == ["ask 0", "apply 0", "ask 1"]  # page 1 is on its way while page 0 is applied
    assert events.index("ask 2") < events.index("applied 1")
    assert events[-2:] == ["applied 1", "page 2 failed"]  # its failure comes after page 1 was applied whole


def test_the_next_pages_files_are_fetched_while_this_page_waits_for_its_last(tk, write_config, watcher_cli):
    """Against an API that takes seconds a listing, the files of the page read ahead are downloaded while the
    page before it is still being applied; what they do to the store still waits for their own page."""
    import threading
    from datetime import datetime, timedelta, timezone

    tk.page_size = 2
    rows = [tk.add(r) for r in page_rows() if r["ContentType"] and r["Soort"] == "Motie"][:4]
    early, released = threading.Event(), []
    slow, later = rows[1], rows[2]  # the last of page 1, and the first of page 2

    def hold(path, request):
        if path == f"Resources/{slow['Id']}":
            released.append(early.wait(4))  # held until page 2's file is asked for (or 4 s, when it never is)
        elif path == f"Resources/{later['Id']}":
            early.set()
        return None  # then answered as usual

    tk.intercept = hold
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = write_config([tk_source(tk, since=since, backfill_alerts=True)], [{"name": "moties", "keywords": ["motie"]}])
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert released == [True]  # page 2's file came while page 1 still waited for its last
    for row in rows:
        assert out.count(f"nieuw: Motie {row['DocumentNummer']}\n") == 1, out


def test_a_revision_is_diffed_off_the_event_loop(tk, write_config, watcher_cli, monkeypatch):
    """A 200-page diff takes seconds of CPU: it is made in a thread, so the bot goes on answering meanwhile."""
    import threading
    from datetime import datetime, timedelta, timezone

    from tests.pdfgen import render
    from watcher.news import diff as differ

    since = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = write_config([tk_source(tk, since=since, backfill_alerts=True)], [{"name": "moties", "keywords": ["motie"]}])
    row = tk.add(next(r for r in page_rows() if r["Soort"] == "Motie" and r["ContentType"]),
                 data=render(["De Kamer, gehoord de beraadslaging, verzoekt de regering een motie uit te voeren."]),
                 content_type="application/pdf")
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    tk.revise(row["Id"], render(["De Kamer, gehoord de beraadslaging, verzoekt de regering deze motie snel uit te voeren."]))
    where, real = [], differ.diff

    def watched(old, new):
        where.append(threading.current_thread() is threading.main_thread())
        return real(old, new)

    monkeypatch.setattr(differ, "diff", watched)  # imported where a revision is diffed (engine/documents.py)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert "gewijzigd" in out and where == [False], (where, out)
