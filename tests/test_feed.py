"""kind: feed — any RSS/Atom feed, with conditional GET."""

from email.utils import format_datetime
from datetime import datetime, timedelta, timezone


def rfc822(days_ago=0.0):
    return format_datetime(datetime.now(timezone.utc) - timedelta(days=days_ago))


def headlines(out):
    return [line for line in out.splitlines() if line.startswith("[")]


def test_items_already_there_are_known_and_new_items_are_alerted_with_their_page_text(feed, write_config, watcher_cli):
    feed.add("/kst-1.html", "kst-1 : Tweede Kamer", "Oude motie over asiel", rfc822(2))
    config = write_config([{"name": "rss", "kind": "feed", "url": feed.url}],
                          [{"name": "all", "keywords": ["asiel", "Curaçao"]}])
    watcher_cli("-c", config, "run", "--once")  # starts now
    code, out, err = watcher_cli("-c", config, "run", "--once")  # first look: what is there is not news
    assert (code, out) == (0, ""), err
    link = feed.add("/kst-2.html", "kst-2 : Tweede Kamer", "Nieuwe brief", rfc822(0))
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert headlines(out) == [f"[all] nieuw: Kamerstuk {link}"]
    assert "trefwoord Curaçao" in out  # from the item's page, not the feed
    # The item's own title, not the search feed's "kst-2 : Tweede Kamer".
    assert out.splitlines()[1] == "  Nieuwe brief"


def test_an_unchanged_feed_costs_one_304(feed, write_config, watcher_cli):
    feed.add("/kst-1.html", "kst-1 : Tweede Kamer", "Motie", rfc822(0))
    config = write_config([{"name": "rss", "kind": "feed", "url": feed.url}], [{"name": "all", "keywords": ["Motie"]}])
    watcher_cli("-c", config, "run", "--once")
    watcher_cli("-c", config, "run", "--once")
    before = len(feed.server.requests)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert (code, out) == (0, "")
    assert len(feed.server.requests) == before + 1
    assert feed.server.requests[-1].headers.get("If-None-Match") == f'"v{feed.version}"'


def test_an_item_whose_page_fails_is_read_from_the_feed_summary(feed, write_config, watcher_cli):
    config = write_config([{"name": "rss", "kind": "feed", "url": feed.url, "since": "2020-01-01", "backfill_alerts": True}],
                          [{"name": "all", "keywords": ["exportkredietverzekering"]}])
    link = feed.add("/kst-3.html", "kst-3 : Tweede Kamer", "Brief over exportkredietverzekering", rfc822(1), status=500)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert headlines(out) == [f"[all] nieuw: Kamerstuk {link}"]


def test_a_zoek_officielebekendmakingen_item_is_the_koop_publication():
    import feedparser
    from pathlib import Path

    from watcher.settings import SourceConfig
    from watcher.sources.feed import Feed

    data = (Path(__file__).parent / "fixtures" / "ob" / "SYNTHETIC_rss_zoek_officielebekendmakingen_search.xml").read_bytes()
    source = Feed(SourceConfig("rss", "feed", "http://x"), None, None)
    records = [source.record(e) for e in feedparser.parse(data).entries]
    assert [r.meta.aliases for r in records] == [["ah-tk-20232024-9901"], ["kst-99999-7"]]
    assert records[1].meta.soort == "Kamerstuk"
    assert records[0].meta.onderwerp.startswith("Vragen van de leden Voorbeeld (XYZ)")


def test_an_item_that_links_to_another_site_is_told_from_its_summary_and_that_site_is_not_read(
        feed, write_config, watcher_cli):
    from watcher.demo.server import LoopbackServer, Response

    internal = LoopbackServer(lambda request: Response(200, b"<p>GEHEIM beheerderspagina</p>",
                                                       {"Content-Type": "text/html"})).start()
    try:
        config = write_config([{"name": "rss", "kind": "feed", "url": feed.url, "since": "2020-01-01",
                                "backfill_alerts": True}], [{"name": "all", "keywords": ["GEHEIM", "exportkrediet"]}])
        feed.add("/kst-4.html", "kst-4 : Tweede Kamer", "Brief over exportkrediet", rfc822(1),
                 link=internal.url + "/admin")
        code, out, err = watcher_cli("-c", config, "run", "--once")
        assert code == 0, err
        assert internal.requests == [] and "GEHEIM" not in out
        assert "trefwoord exportkrediet" in out and "leads to another site" in err
    finally:
        internal.stop()
