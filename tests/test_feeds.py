"""The Atom feed and the calendar as built from alerts and agenda states (alerts/atom.py, alerts/calendar.py):
what RFC 4287 and RFC 5545 require of them, read back with lxml, feedparser and icalendar. No Atom validator
is packaged on PyPI, so the feed's MUSTs are checked here one by one."""

from datetime import datetime, timezone
from pathlib import Path

import feedparser
import icalendar
import pytest
import yaml
from lxml import etree

from tests.test_telegram import make_alert
from watcher.alerts import atom, calendar

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
A = {"a": "http://www.w3.org/2005/Atom"}
KINDS = [
    make_alert(1, created="2026-12-01T09:00:00+00:00"),
    make_alert(2, id="desk|2025D00002|rev|bb", kind="revised", version="2", old_version="1", old_hash="a" * 64,
               new_hash="b" * 64, changes=["Antwoord 3: … nu met een zin erbij"], created="2026-12-02T09:00:00+00:00"),
    make_alert(3, id="desk|2025D00003|deleted", kind="deleted", created="2026-12-03T09:00:00+00:00"),
    make_alert(4, id="desk|vote:x|1", kind="vote", event="aangenomen", created="2026-12-04T09:00:00+00:00"),
    make_alert(5, id="desk|agenda:y|1", kind="agenda", event="gepland: commissiedebat dinsdag 8 december 2026",
               created="2026-12-05T09:00:00+00:00"),
    make_alert(6, id="desk|toezegging:z|1", kind="toezegging", event="nieuwe toezegging", title="De minister <stuurt> & meer",
               created="2026-12-06T09:00:00+00:00"),
]


def _feed(alerts) -> bytes:
    return atom.feed(list(reversed(alerts)), "watcher — desk", "tok", "https://w.example/tok/meldingen.atom",
                     "https://w.example/", NOW)


def test_the_feed_holds_what_rfc_4287_requires():
    root = etree.fromstring(_feed(KINDS))
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for element in [root] + root.findall("a:entry", A):
        # exactly one id, title and updated; ids are IRIs, times RFC 3339
        for name in ("id", "title", "updated"):
            assert len(element.findall(f"a:{name}", A)) == 1, (element.tag, name)
        assert element.findtext("a:id", namespaces=A).startswith("urn:uuid:")
        datetime.fromisoformat(element.findtext("a:updated", namespaces=A))
    assert root.find("a:author/a:name", A).text  # a feed-level author covers every entry
    assert root.find("a:link[@rel='self']", A).get("href") == "https://w.example/tok/meldingen.atom"
    entries = root.findall("a:entry", A)
    assert len(entries) == len(KINDS) and len({e.findtext("a:id", namespaces=A) for e in entries}) == len(KINDS)
    for entry in entries:
        [content] = entry.findall("a:content", A)
        assert content.get("type") == "html" and "<b>" in content.text
        # no two alternate links of one type (RFC 4287 4.1.1)
        alternates = [link.get("type") for link in entry.findall("a:link[@rel='alternate']", A)]
        assert len(alternates) == len(set(alternates))
    parsed = feedparser.parse(_feed(KINDS))
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.entries[0].title.startswith("Nieuwe toezegging: De minister <stuurt> & meer")


def test_a_revision_is_an_entry_of_its_own_with_its_diff_page():
    first = _feed(KINDS[:1])
    later = _feed(KINDS[:2])
    ids = lambda body: [e.id for e in feedparser.parse(body).entries]  # noqa: E731
    assert ids(first)[0] in ids(later) and len(ids(later)) == 2  # the entry of the new document stays as it was
    revision = feedparser.parse(later).entries[0]
    [related] = [link for link in revision.links if link.rel == "related"]
    assert related.href == f"https://w.example/diff/2025D00002/{'a' * 64}-{'b' * 64}.html"
    assert "Antwoord 3" in revision.summary and related.href in revision.summary


CASES = yaml.safe_load((Path(__file__).parent / "cases" / "calendar_events.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_what_the_calendar_shows(case):
    shown = calendar.events(case["states"], "desk")
    assert [{"uid": e["uid"].removesuffix("@watcher"), "sequence": e["sequence"], "status": e["status"],
             "aanvang": e["state"]["aanvang"]} for e in shown] == case["events"]


def test_the_calendar_is_in_amsterdams_time_with_its_zone():
    states = {"A": {"status": "Gepland", "soort": "Commissiedebat", "onderwerp": "Xinjiang", "nummer": "2026A00001",
                    "aanvang": "2026-12-15T09:00:00Z", "eind": "2026-12-15T11:00:00Z", "locatie": "Thorbeckezaal",
                    "heard": ["desk"], "told": {"events": 1}},
              "B": {"status": "Gepland", "soort": "Plenair debat", "onderwerp": "zonder tijd", "datum": "2026-07-01",
                    "heard": ["desk"], "told": {"events": 1}}}
    cal = icalendar.Calendar.from_ical(calendar.calendar(states, "desk", "Tweede Kamer — desk", NOW))
    [zone] = cal.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Amsterdam"
    timed, day = cal.walk("VEVENT")
    start = timed.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Amsterdam" and (start.hour, start.minute) == (10, 0)  # 09:00 UTC in winter
    assert timed.decoded("DTEND").hour == 12 and str(timed["LOCATION"]) == "Thorbeckezaal"
    assert str(timed["SUMMARY"]) == "Commissiedebat: Xinjiang" and "tweedekamer.nl" in str(timed["URL"])
    assert day.decoded("DTSTART").isoformat() == "2026-07-01"  # a day without a time: all day


def test_a_diff_page_is_served_only_for_two_versions_of_its_document(tmp_path):
    """The address names a document and two content hashes: both must be versions of that document, so no
    page is made of any two texts the store happens to hold."""
    from pathlib import Path as P

    from watcher.model import Block, Document, Meta, StoredDocument, Version
    from watcher.settings import Config
    from watcher.store import open_store
    from watcher.web import pages

    store = open_store(tmp_path)
    old = store.put_text(Document(blocks=[Block("Het oude antwoord op vraag 1.")]))
    new = store.put_text(Document(blocks=[Block("Het nieuwe antwoord op vraag 1.")]))
    other = store.put_text(Document(blocks=[Block("Een ander stuk.")]))
    store.put_document(StoredDocument(key="2026D00001", source="tk", meta=Meta(titel="Antwoord"),
                                      versions=[Version("1", old, "v1", NOW.isoformat()),
                                                Version("2", new, "v2", NOW.isoformat())]))
    config = Config(path=P("sources.yaml"), state_dir=tmp_path)
    page = pages.serve(config, store, f"/diff/2026D00001/{old}-{new}.html")
    assert page.status == 200 and b"nieuwe" in page.body
    assert pages.serve(config, store, f"/diff/2026D00001/{old}-{other}.html").status == 404
    assert pages.serve(config, store, f"/diff/2026D00002/{old}-{new}.html").status == 404
    store.close()
