"""kind: officielebekendmakingen against a loopback SRU service."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from tests.fakes.koop import CONTENT
from tests.fakes.tk import motion_2025D06779
from watcher.settings import SourceConfig
from watcher.sources.officielebekendmakingen import OfficieleBekendmakingen, parse_response, split_identifier

OB = Path(__file__).parent / "fixtures" / "ob"
SHAPES = yaml.safe_load((Path(__file__).parent / "cases" / "sru_shapes.yaml").read_text())
TODAY = date.today().isoformat()


def ob_source(koop, **extra):
    if "since" in extra:
        extra.setdefault("backfill_alerts", True)  # these tests read what a backfill finds through its alerts
    return {"name": "ob", "kind": "officielebekendmakingen", "url": koop.url, **extra}


def headlines(out):
    return [line for line in out.splitlines() if line.startswith("[")]


def answer(case) -> bytes:
    if "inline" in case:
        return case["inline"].encode()
    if "wrap" in case:
        return b"<searchRetrieveResponse><records>" + (OB / case["wrap"]).read_bytes() + b"</records></searchRetrieveResponse>"
    return case.get("prefix", "").encode("utf-8") + (OB / case["file"]).read_bytes()


@pytest.mark.parametrize("case", SHAPES, ids=[c["name"] for c in SHAPES])
def test_the_parser_takes_every_shape_the_service_may_send(case):
    source = OfficieleBekendmakingen(SourceConfig("ob", "officielebekendmakingen", "http://x"), None, None)
    elements, total, _ = parse_response(answer(case))
    records = [source.record(e) for e in elements]
    assert [r.meta.aliases[0] if r.meta.aliases else r.key for r in records] == case["identifiers"]
    for identifier, names in case.get("indieners", {}).items():
        [record] = [r for r in records if r.key == identifier]
        assert [a.name for a in record.meta.actors if a.role == "Indiener"] == names


def test_a_recorded_page_gives_records_with_indieners_ontvanger_zaak_and_links():
    source = OfficieleBekendmakingen(SourceConfig("ob", "officielebekendmakingen", "http://x"), None, None)
    elements, total, next_position = parse_response((OB / "SYNTHETIC_sru_searchRetrieve_parliament_page1.xml").read_bytes())
    assert (total, next_position) == (5, 4)
    answer_record = source.record(elements[1])
    assert answer_record.key == "ah-tk-20232024-9901"
    assert answer_record.meta.soort == "Aanhangsel van de Handelingen"
    assert [(a.name, a.role, a.party) for a in answer_record.meta.actors] == [
        ("A.B. Voorbeeld", "Indiener", "XYZ"), ("C.D. Testmans", "Indiener", ""), ("E.F. Minister-Fictief", "Ontvanger", "")]
    assert answer_record.meta.zaken == [{"nummer": "2024Z99901", "soort": "vraag"}]
    assert answer_record.meta.links["officielebekendmakingen.nl"] == "https://zoek.officielebekendmakingen.nl/ah-tk-20232024-9901.html"
    assert answer_record.meta.links["pdf"].endswith("/ah-tk-20232024-9901.pdf")
    assert source.record(elements[2]).meta.dossiers == ["99999"]


@pytest.mark.parametrize("identifier,expected", [
    ("kst-35207-34", ("kst-35207-34", 0, "")), ("kst-35207-34-n1", ("kst-35207-34", 1, "n1")),
    ("ah-tk-20232024-9901-h2", ("ah-tk-20232024-9901", 2, "h2")), ("stb-2018-84-v1", ("stb-2018-84", 1, "v1")),
    ("kst-35207-34-b1", ("kst-35207-34-b1", 0, "")),  # an attachment is a document of its own
])
def test_revision_suffixes_point_at_their_base(identifier, expected):
    assert split_identifier(identifier) == expected


def test_records_arrive_with_indieners_ontvanger_and_links(koop, write_config, watcher_cli):
    config = write_config([ob_source(koop)], [{"name": "desk", "members": ["Testmans"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0  # baseline
    koop.add(0, modified=TODAY)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert "nieuw: Kamervragen zonder antwoord kv-tk-2024Z99901" in out
    assert "Kamerlid C.D. Testmans" in out
    assert "officielebekendmakingen.nl: https://zoek.officielebekendmakingen.nl/kv-tk-2024Z99901.html" in out


def test_a_first_day_stamped_by_a_clock_that_ran_ahead_is_put_back_and_nothing_new_is_missed(
        koop, write_config, watcher_cli):
    """The first run's clock was 200 days ahead: the day the service is asked from lies in the future, and
    trusted, no record would come back until then."""
    from watcher.store import open_store
    config = write_config([ob_source(koop)], [{"name": "desk", "members": ["Testmans"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    with open_store(Path(config).parent / "state") as store:
        ahead = (date.today() + timedelta(days=200)).isoformat()
        store.set_cursor("ob", {**store.cursor("ob"), "day": ahead, "start": ahead + "T00:00:00+00:00"})
        store.flush()
    koop.add(0, modified=TODAY)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0 and "nieuw: Kamervragen zonder antwoord kv-tk-2024Z99901" in out, err
    with open_store(Path(config).parent / "state") as store:
        assert store.cursor("ob")["day"] <= TODAY


def test_a_diagnostic_is_an_error_that_quotes_it_and_keeps_the_cursor(koop, write_config, watcher_cli):
    config = write_config([ob_source(koop)], [{"name": "desk", "keywords": ["Testbericht"]}])
    watcher_cli("-c", config, "run", "--once")
    koop.add(0, modified=TODAY)
    koop.diagnostic = True
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 1 and out == ""
    assert "SRU diagnostic: line 1:13 mismatched input" in err
    koop.diagnostic = False
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0 and "kv-tk-2024Z99901" in out


def test_pages_over_several_days_are_read_once_each_and_rereads_cost_nothing(koop, write_config, watcher_cli,
                                                                            monkeypatch):
    monkeypatch.setattr(OfficieleBekendmakingen, "page_size", 2)
    start = date.today() - timedelta(days=3)
    days = [(start + timedelta(days=d)).isoformat() for d in (1, 1, 1, 2, 2, 3, 3)]
    ids = [f"kst-99999-{70 + i}" for i in range(len(days))]
    for identifier, day in zip(ids, days):
        koop.add(2, identifier=identifier, modified=day)
    config = write_config([ob_source(koop, since=start.isoformat())], [{"name": "all", "keywords": ["testonderwerp"]}])
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert sorted(line.split()[-1] for line in headlines(out)) == sorted(ids)
    fetched = sum(1 for r in koop.server.requests if r.path.endswith(".xml"))
    code, out, err = watcher_cli("-c", config, "run", "--once")  # the last day again, through the overlap
    assert (code, out) == (0, "")
    assert sum(1 for r in koop.server.requests if r.path.endswith(".xml")) == fetched


def test_an_n1_record_is_a_revision_of_its_base_diffed_against_it(koop, write_config, watcher_cli):
    config = write_config([ob_source(koop)], [{"name": "all", "keywords": ["testonderwerp"]}])
    watcher_cli("-c", config, "run", "--once")
    koop.add(2, modified=TODAY)
    assert headlines(watcher_cli("-c", config, "run", "--once")[1]) == ["[all] nieuw: Kamerstuk kst-99999-7"]
    edited = CONTENT["kst"].read_bytes().replace(b"een testonderwerp te onderzoeken", b"een testonderwerp grondig te onderzoeken")
    koop.add(2, identifier="kst-99999-7-n1", modified=TODAY, content=edited)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert headlines(out) == ["[all] gewijzigd, nieuwe versie (-n1): Kamerstuk kst-99999-7"]
    assert "«grondig» toegevoegd" in out
    # The base re-sent later is an older version: nothing to tell.
    koop.add(2, modified=TODAY, stamp="2099-01-01T00:00:00+01:00")
    assert watcher_cli("-c", config, "run", "--once")[1] == ""


def test_same_text_with_a_new_date_and_title_is_metadata_only(koop, write_config, watcher_cli):
    config = write_config([ob_source(koop)], [{"name": "all", "keywords": ["testonderwerp"]},
                                              {"name": "late", "keywords": ["Herziene"]}])
    watcher_cli("-c", config, "run", "--once")
    koop.add(2, modified=TODAY)
    watcher_cli("-c", config, "run", "--once")
    koop.add(2, modified=TODAY, title="Herziene titel", stamp="2099-01-01T00:00:00+01:00")
    code, out, err = watcher_cli("-c", config, "run", "--once")
    # Only the subscriber the new title makes match for the first time hears of it.
    assert headlines(out) == ["[late] nieuw: Kamerstuk kst-99999-7"]


def _tk_and_koop(tk, koop, write_config, telegram):
    row = motion_2025D06779()
    publication_id = row["HuidigeDocumentVersie"]["DocumentPublicatie"][0]["Id"]
    xml = (Path(__file__).parent / "fixtures" / "tk" / "publications" /
           "kst-19637-3384__DocumentPublicatie_dfd9c46a__resource.xml").read_bytes()
    tk.publications[publication_id] = xml
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url},
                           {"name": "ob", "kind": "officielebekendmakingen", "url": koop.url}],
                          [{"name": "asiel", "telegram": 21, "keywords": ["Westerwolde"]}],
                          telegram={"api_url": telegram.url})
    return row, xml, config


@pytest.mark.parametrize("first", ["tk", "koop"])
def test_a_tk_document_and_its_koop_publication_make_one_alert(first, tk, koop, telegram, write_config,
                                                               watcher_cli, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    row, xml, config = _tk_and_koop(tk, koop, write_config, telegram)
    watcher_cli("-c", config, "run", "--once")  # both start now
    arrivals = {"tk": lambda: tk.add(row), "koop": lambda: koop.add(2, identifier="kst-19637-3384", modified=TODAY,
                                                                     content=xml)}
    arrivals[first]()
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    arrivals["koop" if first == "tk" else "tk"]()
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    [message] = telegram.texts(21)
    assert "zoek.officielebekendmakingen.nl/kst-19637-3384.html" in message
    if first == "tk":
        # The TK record names its KOOP publication, so its alert links both. (A KOOP publication names no
        # TK document number: arriving first, its alert links KOOP's pages only.)
        assert "tweedekamer.nl/kamerstukken/detail?id=2025Z02986&amp;did=2025D06779" in message


def test_indieners_missing_from_the_record_are_read_from_metadata_xml(koop, write_config, watcher_cli):
    config = write_config([ob_source(koop)], [{"name": "sterk", "members": ["Sterk"]}])
    watcher_cli("-c", config, "run", "--once")
    koop.add(0, modified=TODAY, without=("indiener", "ontvanger"))
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert headlines(out) == ["[sterk] nieuw: Kamervragen zonder antwoord kv-tk-2024Z99901"]
    assert "Kamerlid Sterk W.R.C." in out
    assert sum(r.path.endswith("/metadata.xml") for r in koop.server.requests) == 1
    koop.add(0, modified=TODAY, without=("indiener", "ontvanger"))  # the same record read again
    watcher_cli("-c", config, "run", "--once")
    assert sum(r.path.endswith("/metadata.xml") for r in koop.server.requests) == 1


def test_a_changed_text_under_the_same_identifier_is_a_revision(koop, write_config, watcher_cli):
    config = write_config([ob_source(koop)], [{"name": "all", "keywords": ["testonderwerp"]}])
    watcher_cli("-c", config, "run", "--once")
    koop.add(2, modified=TODAY)
    watcher_cli("-c", config, "run", "--once")
    edited = CONTENT["kst"].read_bytes().replace(b"een testonderwerp te onderzoeken", b"een testonderwerp niet te onderzoeken")
    koop.add(2, modified=TODAY, content=edited, stamp="2099-01-01T00:00:00+01:00")
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert headlines(out) == ["[all] gewijzigd: Kamerstuk kst-99999-7"]
    assert "«niet» toegevoegd" in out


@pytest.mark.parametrize("elsewhere", ["internal", "file:///etc/passwd", "gopher://127.0.0.1/x"])
def test_a_record_whose_file_url_points_at_another_site_is_not_read_nor_quoted(elsewhere, koop, write_config,
                                                                             watcher_cli):
    # A spoofed or compromised answer names an internal address (cloud metadata, an admin page) as the file.
    from watcher.demo.server import LoopbackServer, Response

    internal = LoopbackServer(lambda request: Response(200, b"<p>GEHEIM: het wachtwoord van de beheerder</p>",
                                                       {"Content-Type": "text/html"})).start()
    try:
        target = internal.url + "/latest/meta-data/" if elsewhere == "internal" else elsewhere
        config = write_config([ob_source(koop)], [{"name": "desk", "keywords": ["GEHEIM", "Testmans"]}])
        assert watcher_cli("-c", config, "run", "--once")[0] == 0  # baseline
        record = koop.add(0, modified=TODAY)
        for item in record.iter("{http://standaarden.overheid.nl/sru}itemUrl"):
            item.text = target  # every manifestation points elsewhere
        code, out, err = watcher_cli("-c", config, "run", "--once")
        assert internal.requests == []
        assert "GEHEIM" not in out and "wachtwoord" not in out
        assert "not fetched" in err
    finally:
        internal.stop()


def test_the_query_goes_out_percent_encoded_with_no_plus_for_a_space(koop, write_config, watcher_cli):
    config = write_config([ob_source(koop)], [{"name": "desk", "members": ["Testmans"]}])
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    [first, *_] = [r for r in koop.server.requests if "query" in r.query]
    assert "%20AND%20" in first.raw_query and "+" not in first.raw_query, first.raw_query
    assert " AND " in first.query["query"]
