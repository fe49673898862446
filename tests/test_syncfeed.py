"""The SyncFeed client and the entity parser, against the loopback SyncFeed and the real recorded fragments.

The fake (watcher/demo/syncfeed.py) is written from the official XSDs: ELEMENTS is checked against them
here, so it cannot drift from the schema. Where the real format is unknown, the fake has a knob, and the
client is run with each setting."""

import asyncio
import random
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
import yaml
from lxml import etree

from tests.fakes.server import Response
from tests.fakes.tk import FakeTK
from watcher.demo.syncfeed import DOWNLOADABLE, ELEMENTS
from watcher.sources.http import HTTP
from watcher.sources.tweedekamer.entities import KEPT, EntityError, parse
from watcher.sources.tweedekamer.feed import FeedError, SyncFeed, skiptoken_of

FIXTURES = Path(__file__).parent / "fixtures" / "tk"
XS = "{http://www.w3.org/2001/XMLSchema}"
ENTITIES = yaml.safe_load((Path(__file__).parent / "cases" / "syncfeed_entities.yaml").read_text())


def run(coro):
    return asyncio.run(coro)


async def with_client(fake, use):
    http = HTTP()
    try:
        return await use(SyncFeed(http, fake.url))
    finally:
        await http.aclose()


@pytest.fixture
def feed():
    fake = FakeTK(page_size=250)
    fake.server.start()
    yield fake
    fake.server.stop()


def _fill(fake, rng, n, weights):
    """n changes over the categories at these weights (the rest of the counter goes to categories not read)."""
    for i in range(n):
        r, acc = rng.random(), 0.0
        for category, weight in weights.items():
            acc += weight
            if r < acc:
                fake.put_entity(category, str(uuid.UUID(int=rng.getrandbits(128))), {"soort": str(i)})
                break
        else:
            fake.bump(1)


# ---------------------------------------------------------------- the schema


@pytest.mark.parametrize("category", sorted(ELEMENTS))
def test_the_fake_writes_every_element_of_the_official_schema_in_its_order(category):
    xsd = etree.parse(str(FIXTURES / "xsd" / f"tkData-v1-0-{category.lower()}.xsd"))
    extension = xsd.find(f".//{XS}extension")
    fields, relations = [], []
    for element in extension.find(f"{XS}sequence").findall(f"{XS}element"):
        inner = [e for e in element.iter(f"{XS}element") if e is not element]
        if "referentie" in (element.get("type") or ""):
            relations.append(element.get("name"))
        elif inner:  # a group of relations (Toezegging's toegezegdAan)
            relations += [f"{element.get('name')}.{e.get('name')}" for e in inner]
        else:
            fields.append(element.get("name"))
    assert ELEMENTS[category][1] == tuple(fields)
    assert sorted(ELEMENTS[category][0]) == sorted(relations)
    assert (extension.get("base") == "downloadEntiteitType") == (category in DOWNLOADABLE)


@pytest.mark.parametrize("category", sorted(KEPT))
def test_what_watcher_keeps_of_a_category_is_in_its_schema(category):
    fields, relations = KEPT[category]
    schema_relations, schema_fields = ELEMENTS[category]
    assert set(fields) <= set(schema_fields)
    # Toezegging's flat relations of before 2026 are kept too: old entities still have them (ODP #179).
    assert set(relations) - set(schema_relations) <= {"toegezegdAanPersoon", "toegezegdAanFractie"}


# ---------------------------------------------------------------- parsing, leniently


@pytest.mark.parametrize("case", ENTITIES, ids=[c["name"] for c in ENTITIES])
def test_an_entity_is_read_whatever_its_prefix_zone_or_case(case):
    text = case["xml"]
    if case.get("fixture"):
        text = (FIXTURES / "syncfeed" / case["fixture"]).read_text() + case.get("append", "")
    if "error" in case:
        with pytest.raises(EntityError, match=case["error"]):
            parse(etree.fromstring(text.encode()))
        return
    entity = parse(etree.fromstring(text.encode()))
    for key, value in case["expect"].items():
        assert getattr(entity, key) == value, key


@pytest.mark.parametrize("prefix,zone,deleted_word", [("", "", "true"), ("tk", "Z", "True"), ("ns1", "", "True")])
def test_a_page_is_read_with_every_namespace_and_stamp_the_feed_is_known_to_use(prefix, zone, deleted_word, feed):
    feed.prefix, feed.zone, feed.deleted_word = prefix, zone, deleted_word
    feed.put_entity("Zaak", "0006f304-7f6f-45f7-923e-9975c29d77c6", {"nummer": "2025Z02986", "titel": None})
    feed.remove("Zaak", "0006f304-7f6f-45f7-923e-9975c29d77c6")
    feed.put_entity("Zaak", "1006f304-7f6f-45f7-923e-9975c29d77c6", {"nummer": "2025Z02987", "afgedaan": "true"},
                    {"kamerstukdossier": ["4b6bd5a5-0000-4000-8000-000000019637"]})
    page = run(with_client(feed, lambda client: client.page("Zaak")))
    [gone, zaak] = [e.entity for e in page.entries]
    assert gone.deleted and gone.id == "0006f304-7f6f-45f7-923e-9975c29d77c6"
    assert zaak.fields == {"nummer": "2025Z02987", "afgedaan": "true"}
    assert zaak.refs == {"kamerstukdossier": ["4b6bd5a5-0000-4000-8000-000000019637"]}
    assert zaak.bijgewerkt.endswith("Z") and len(zaak.bijgewerkt) == 28


# ---------------------------------------------------------------- where to start


@pytest.mark.parametrize("seed", range(4))
def test_the_head_is_found_by_bisection_in_under_thirty_requests(seed, feed):
    # Densities of a real year: of the counter's changes about 1 in 80 is a Document, 1 in 20 a Stemming.
    rng = random.Random(seed)
    _fill(feed, rng, 40_000, {"Document": 0.012, "Stemming": 0.05, "Fractie": 0.0002})
    for category in ("Document", "Stemming", "Fractie"):
        async def find(client):
            cursor = await client.head(category)
            return cursor, client.requests
        cursor, requests = run(with_client(feed, find))
        assert skiptoken_of(cursor) == feed.head(category), category
        assert requests <= 30, (category, requests)


def test_the_head_found_while_changes_keep_arriving_is_a_real_entry_and_nothing_after_it_is_lost(feed):
    rng = random.Random(7)
    _fill(feed, rng, 5000, {"Document": 0.05})
    before = feed.head("Document")
    added = []

    def busy(path, request):  # every request of the bisection sees the feed move on
        if path == "Feed":
            for _ in range(3):
                ident = str(uuid.UUID(int=rng.getrandbits(128)))
                added.append(feed.put_entity("Document", ident, {"soort": "nieuw"})["token"])
                feed.bump(40)
        return None

    feed.intercept = busy
    cursor = run(with_client(feed, lambda client: client.head("Document")))
    feed.intercept = None
    token = skiptoken_of(cursor)
    tokens = {e["token"] for (c, _), e in feed.entities.items() if c == "Document"}
    assert token in tokens  # a real entry's place, never a guess
    assert token >= before  # nothing from before the start is read as news
    # Everything published after the head found is read from it.
    after = run(with_client(feed, lambda client: client.page("Document", cursor)))
    assert [e.skiptoken for e in after.entries] == sorted(t for t in tokens if t > token)[:250]


def test_an_empty_category_has_no_head_and_a_skiptoken_above_the_head_is_never_kept(feed):
    feed.bump(1000)
    assert run(with_client(feed, lambda client: client.head("Toezegging"))) == ""
    feed.put_entity("Toezegging", "fa9b16b4-ef85-443a-8737-000eada4a50e", {"nummer": "TZ202504-057"})
    cursor = run(with_client(feed, lambda client: client.head("Toezegging")))
    assert skiptoken_of(cursor) == feed.head("Toezegging")


def test_a_date_is_found_by_bisection_on_the_entries_times(feed):
    from datetime import datetime, timezone
    feed.page_size = 10
    feed.set_clock(datetime(2025, 1, 1, tzinfo=timezone.utc))
    for i in range(300):
        feed.put_entity("Document", str(uuid.UUID(int=i + 1)), {"soort": "oud"})
        feed.bump(7)
    feed.set_clock(None)
    fresh = [feed.put_entity("Document", str(uuid.UUID(int=i + 1000)), {"soort": "nieuw"})["token"] for i in range(5)]
    cursor = run(with_client(feed, lambda client: client.at_time("Document", "2026-01-01T00:00:00.0000000Z")))
    page = run(with_client(feed, lambda client: client.page("Document", cursor)))
    assert [e.skiptoken for e in page.entries] == fresh


# ---------------------------------------------------------------- what is refused


def _serve(feed, body: bytes, content_type="application/atom+xml"):
    feed.intercept = lambda path, request: Response(200, body, {"Content-Type": content_type}) if path == "Feed" else None


def _page(feed, entries: str = "", links: str = "") -> bytes:
    self = feed.link("Document", 25403408)
    return (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>SyncFeed</title>'
            f'<link rel="self" href={quoteattr(self)}/>{links.replace("&", "&amp;")}{entries}</feed>').encode()


def _entry(feed, next_href: str, entity: str = "") -> str:
    entity = entity or ('<document xmlns="http://www.tweedekamer.nl/xsd/tkData/v1-0" xmlns:tk="http://www.tweedekamer.nl/'
                        'xsd/tkData/v1-0" id="3ccf529a-1e25-49d3-81a8-c60621884b39" tk:bijgewerkt="2026-08-24T15:50:28.7370000" '
                        'tk:verwijderd="false"><documentNummer>2025D06779</documentNummer></document>')
    return (f'<entry><title>x</title><updated>2026-08-24T15:50:28.7370000Z</updated>'
            f'<link rel="next" href={quoteattr(next_href)}/><content type="application/xml">{entity}</content></entry>')


@pytest.mark.parametrize("make,says", [
    (lambda f: b"<html>Onderhoud</html>", "Document at skiptoken 25403408: the answer is not an Atom feed"),
    (lambda f: b"{\"value\": []}", "the answer is not XML"),
    (lambda f: _page(f), "an empty page without a resume link"),
    (lambda f: _page(f, _entry(f, "https://elders.example/SyncFeed/2.0/Feed?category=Document&skiptoken=9")),
     "leads elsewhere"),
    (lambda f: _page(f, links='<link rel="resume" href="http://169.254.169.254/SyncFeed/2.0/Feed?category=Document&skiptoken=9"/>'),
     "leads elsewhere"),
    (lambda f: _page(f, _entry(f, f.link("Zaak", 25403409))), "is for another category"),
    (lambda f: _page(f, _entry(f, f.link("Document", 25403409),
                               '<document xmlns="http://www.tweedekamer.nl/xsd/tkData/v1-0"><soort>x</soort></document>')),
     "entry 1: a Document without an id"),
    (lambda f: _page(f, _entry(f, f.link("Document", 25403409),
                               '<zaak xmlns="http://www.tweedekamer.nl/xsd/tkData/v1-0" id="3ccf529a-1e25-49d3-81a8-c60621884b39"/>')),
     "is a Zaak, not a Document"),
    (lambda f: _page(f, _entry(f, f.link("Document", 25403409),
                               '<document xmlns="http://www.tweedekamer.nl/xsd/tkData/v1-0" xmlns:tk="http://www.tweedekamer.nl/'
                               'xsd/tkData/v1-0" id="3ccf529a-1e25-49d3-81a8-c60621884b39" tk:bijgewerkt="gisteren"/>')),
     "unreadable timestamp"),
], ids=["not-atom", "not-xml", "empty-without-resume", "next-elsewhere", "resume-elsewhere", "next-other-category",
        "entity-without-id", "entity-of-another-category", "bad-stamp"])
def test_a_page_that_is_not_what_the_feed_sends_is_refused_with_its_category_and_skiptoken(make, says, feed):
    _serve(feed, make(feed))
    with pytest.raises(FeedError, match=says):
        run(with_client(feed, lambda client: client.page("Document", feed.link("Document", 25403408))))


def test_a_file_link_to_another_host_is_not_fetched(feed):
    client = SyncFeed(None, feed.url)
    with pytest.raises(FeedError, match="leads elsewhere"):
        client.check_file("http://169.254.169.254/latest/meta-data/")
    assert client.check_file(feed.url + "Resources/3ccf529a-1e25-49d3-81a8-c60621884b39")


def test_an_entity_the_feed_does_not_know_is_none_and_one_it_knows_is_read_bare(feed):
    feed.put_entity("Kamerstukdossier", "60f20417-bf77-4e74-bcef-101ee574ca47", {"nummer": "22112", "toevoeging": None})

    async def look(client):
        return await client.entity("60f20417-bf77-4e74-bcef-101ee574ca47"), await client.entity(str(uuid.uuid4()))
    found, unknown = run(with_client(feed, look))
    assert found.category == "Kamerstukdossier" and found.fields == {"nummer": "22112", "toevoeging": None}
    assert unknown is None


@pytest.mark.parametrize("count", range(1, 8))
def test_the_head_is_the_newest_entry_when_pages_end_just_before_it(count, feed):
    # Pages of three: with four entries the bisection ends on a full page whose next holds one more.
    feed.page_size = 3
    feed.bump(1000)
    for i in range(count):
        feed.put_entity("ZaakActor", str(uuid.UUID(int=i + 1)), {"actorNaam": str(i)})
    cursor = run(with_client(feed, lambda client: client.head("ZaakActor", guess=1)))
    assert skiptoken_of(cursor) == feed.head("ZaakActor")


@pytest.mark.parametrize("next_on_last", [False, True], ids=["last-page-without-next", "last-page-with-next"])
def test_the_head_and_a_reading_to_it_do_not_depend_on_a_next_link_on_the_last_page(next_on_last, feed):
    # Unknown of the real feed: whether the last page with entries still links a next (to an empty page).
    feed.page_size, feed.next_on_last = 3, next_on_last
    feed.bump(500)
    made = [feed.put_entity("Besluit", str(uuid.UUID(int=i + 1)), {"status": "Besluit"})["token"] for i in range(7)]

    async def read(client):
        pages, url = 0, None
        seen = []
        while True:
            page = await client.page("Besluit", url)
            pages += 1
            seen += [e.skiptoken for e in page.entries]
            url = page.entries[-1].next if page.entries else url
            if page.last:
                return seen, pages, await client.head("Besluit", guess=1)
    seen, pages, head = run(with_client(feed, read))
    assert seen == made and skiptoken_of(head) == made[-1]
    assert pages == (4 if next_on_last else 3)  # one more request where the last page says there is more
