"""Watchlists: who a document concerns and why, precise and explainable."""

import json
from pathlib import Path

import pytest
import yaml

from watcher.settings import Subscriber
from watcher.extract import extract
from watcher.watchlists.match import SNIPPET, Matcher
from watcher.model import Actor, Meta
from watcher.parliament import Parliament

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "match_cases.yaml").read_text())


def subscriber(data: dict) -> Subscriber:
    return Subscriber(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def document(spec: dict):
    if "seed" in spec:
        [path] = SEEDS.glob(f"{spec['seed']}_*.txt")
        doc = extract(path.read_bytes())
    else:
        doc = extract(spec["text"].encode())
    raw = dict(spec.get("meta", {}))
    raw["actors"] = [Actor(**a) for a in raw.get("actors", [])]
    return doc, Meta(**raw)


def recorded_parliament() -> Parliament:
    """The parties of the recorded Fractie page (tests/fixtures/tk/odata/fractie__page_value_array.json)."""
    rows = json.loads((Path(__file__).parent / "fixtures" / "tk" / "odata" / "fractie__page_value_array.json").read_text())
    return Parliament([[r["Afkorting"], r["NaamNL"], r["NaamEN"]] for r in rows])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_who_and_why(case):
    doc, meta = document(case["doc"])
    parliament = recorded_parliament() if case.get("parliament") == "recorded" else None
    matcher = Matcher([subscriber(s) for s in case["subscribers"]], parliament=parliament)
    hits = matcher.match(doc.text, meta, doc.metadata.get("askers"), stated=doc.metadata)
    assert {h.subscriber: h.reasons for h in hits} == case["expect"]
    for h in hits:
        assert len(h.snippet) <= SNIPPET and (h.highlight in h.snippet)


def test_the_snippet_shows_the_first_hit_and_names_it():
    doc, meta = document({"seed": "004"})
    [hit] = Matcher([subscriber({"name": "a", "keywords": ["*surveillance*"]})]).match(doc.text, meta)
    assert hit.highlight == "surveillance"
    assert hit.highlight in hit.snippet and len(hit.snippet) <= SNIPPET


SNIPPETS = yaml.safe_load((Path(__file__).parent / "cases" / "snippets.yaml").read_text())


@pytest.mark.parametrize("case", SNIPPETS, ids=[c["name"] for c in SNIPPETS])
def test_the_snippet_is_a_hit_the_title_does_not_already_show(case):
    meta = Meta(titel=case.get("titel", ""), onderwerp=case.get("onderwerp", ""),
                actors=[Actor(**a) for a in case.get("actors", [])])
    [hit] = Matcher([subscriber({"name": "s", **case["rules"]})]).match(case["text"], meta)
    assert (hit.snippet, hit.highlight) == (case["snippet"], case["highlight"])


def test_for_a_revision_the_hit_is_told_in_or_outside_the_change():
    doc, meta = document({"seed": "000"})
    matcher = Matcher([subscriber({"name": "x", "keywords": ["Xinjiang"]}), subscriber({"name": "z", "keywords": ["Zen"]})])
    hits = {h.subscriber: h.in_change for h in matcher.match(doc.text, meta, changed="de arrestatie van kardinaal Zen")}
    assert hits == {"x": False, "z": True}


def test_watcher_match_prints_json_lines(tmp_path, watcher_cli):
    config = tmp_path / "sources.yaml"
    config.write_text("subscribers:\n  - {name: china, keywords: [Xinjiang]}\n  - {name: sgp, parties: [SGP]}\n")
    [seed] = SEEDS.glob("000_*.txt")
    code, out, err = watcher_cli("-c", config, "match", "--json", seed)
    import json
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(x["subscriber"], x["reasons"]) for x in lines] == [("china", ["keyword Xinjiang"]), ("sgp", ["party SGP"])]
    assert all(x["file"] == str(seed) for x in lines) and lines[0]["snippet"]


def _who(matcher, text: str) -> dict:
    hits = matcher.match(text, Meta())
    assert len({h.subscriber for h in hits}) == len(hits)  # one hit a subscriber
    return {h.subscriber: h.reasons for h in hits}


def test_rules_changed_in_chat_go_beside_the_kept_automaton_and_the_old_ones_stop():
    before = [subscriber({"name": "a", "keywords": ["Xinjiang"]}), subscriber({"name": "b", "keywords": ["Tibet"]})]
    first = Matcher(before)
    assert _who(first, "Xinjiang en Tibet") == {"a": ["keyword Xinjiang"], "b": ["keyword Tibet"]}
    # b swaps Tibet for Hongkong; c is new; a is as it was
    after = [before[0], subscriber({"name": "b", "keywords": ["Hongkong"]}), subscriber({"name": "c", "keywords": ["Tibet*"]})]
    second = Matcher(after, previous=first)
    assert second._parts[0][0] is first._parts[0][0]  # the big automaton is not made again
    assert second._parts[1][0].names == ["b", "c"] and not second.wants_merge
    assert _who(second, "Xinjiang, Tibet en Hongkong") == {"a": ["keyword Xinjiang"], "b": ["keyword Hongkong"],
                                                           "c": ["keyword Tibet*"]}
    # a subscriber gone (stopped in chat) is heard no more, though the kept automaton still has its rules
    assert _who(Matcher([after[1]], previous=second), "Xinjiang en Hongkong") == {"b": ["keyword Hongkong"]}


def test_nothing_is_compiled_until_a_document_needs_matching():
    matcher = Matcher([subscriber({"name": "a", "keywords": ["Xinjiang"]})])
    assert matcher._parts[0][0]._automaton is None
    assert _who(matcher, "Xinjiang") == {"a": ["keyword Xinjiang"]}
    assert matcher._parts[0][0]._automaton


def test_a_side_grown_big_is_merged_in_a_thread_and_swapped_in(tmp_path, monkeypatch):
    import asyncio

    from watcher.watchlists import match
    from watcher.config import load
    from watcher.engine.cycle import Engine
    from watcher.deliver.deliver import Deliverer
    from watcher.sources.http import HTTP
    from watcher.deliver.notify import Console
    from watcher.store import open_store

    monkeypatch.setattr(match, "SIDE_RULES", 2)
    config_path = tmp_path / "sources.yaml"
    config_path.write_text(f"state_dir: {tmp_path / 'state'}\n"
                           "sources:\n  - {name: tk, kind: tweedekamer, url: 'http://127.0.0.1:9/'}\nsubscribers:\n  - {name: a, keywords: [Xinjiang]}\n")
    config = load(config_path)
    store = open_store(config.state_dir)

    async def story():
        import io
        watcher = Engine(config, store, HTTP(config.http), Deliverer(config, Console(io.StringIO())), progress=False)
        try:
            store.set_chat_rules({"chat:7": {"started": True, "keywords": ["Tibet", "Hongkong", "Oeigoer*"]}})
            watcher.reload(config)
            assert watcher.rules.matcher.wants_merge and len(watcher.rules.matcher._parts) == 2
            # matched meanwhile with the two beside each other
            assert _who(watcher.rules.matcher, "Tibet en Xinjiang") == {"a": ["keyword Xinjiang"], "chat 7": ["keyword Tibet"]}
            await asyncio.wait_for(watcher.rules._merging, 60)
            assert len(watcher.rules.matcher._parts) == 1 and not watcher.rules.matcher.wants_merge
            assert _who(watcher.rules.matcher, "Oeigoeren in Xinjiang") == {"a": ["keyword Xinjiang"],
                                                                      "chat 7": ["keyword Oeigoer*"]}
        finally:
            watcher.extractor.close()
            await watcher.http.aclose()

    try:
        asyncio.run(story())
    finally:
        store.close()


def test_a_big_watchlist_is_cut_into_automata_that_each_find_their_own(monkeypatch):
    from watcher.watchlists import match
    monkeypatch.setattr(match, "SHARD_RULES", 2)
    people = [subscriber({"name": f"s{n}", "keywords": [word, "Tibet"]}) for n, word in enumerate(["Xinjiang", "Hongkong", "Wassenaar"])]
    matcher = Matcher(people)
    assert len(matcher._parts) == 3
    assert _who(matcher, "Hongkong en Tibet") == {"s0": ["keyword Tibet"], "s1": ["keyword Hongkong", "keyword Tibet"],
                                                 "s2": ["keyword Tibet"]}
    changed = Matcher([people[0], subscriber({"name": "s1", "keywords": ["Wassenaar"]}), people[2]], previous=matcher)
    assert [p for p, _ in changed._parts[:3]] == [p for p, _ in matcher._parts]
    assert _who(changed, "Hongkong en Wassenaar") == {"s1": ["keyword Wassenaar"], "s2": ["keyword Wassenaar"]}


def test_one_rule_is_tried_on_a_file_with_no_config_at_all(tmp_path, monkeypatch, watcher_cli):
    monkeypatch.chdir(tmp_path)  # no sources.yaml here
    (tmp_path / "q.txt").write_text("Vragen van het lid Ceder (ChristenUnie) over de Oeigoeren in Xinjiang.\n")
    code, out, err = watcher_cli("match", "--keyword", "Oeigoer*", "q.txt")
    assert code == 0 and out.splitlines()[0] == "q.txt: rule: keyword Oeigoer*", out + err
    assert watcher_cli("match", "--keyword", "Tibet", "q.txt")[1] == "q.txt: no subscriber\n"
    code, out, err = watcher_cli("match", "--keyword", "*", "q.txt")
    assert code == 2 and "'*' would match every document" in err


def test_one_rule_is_tried_on_a_stored_document_by_its_number(tk, write_config, watcher_cli):
    from tests.fakes.tk import page_rows
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}], [{"name": "x", "keywords": ["y"]}])
    watcher_cli("-c", config, "run", "--once")
    row = tk.add(next(r for r in page_rows() if r["ContentType"] == "application/pdf" and r["Onderwerp"]))
    watcher_cli("-c", config, "run", "--once")
    word = max(row["Onderwerp"].split(), key=len).strip(",.")
    code, out, err = watcher_cli("-c", config, "match", "--keyword", word, row["DocumentNummer"])
    assert code == 0 and out.startswith(f"{row['DocumentNummer']}: rule: keyword {word}"), out + err
    code, out, err = watcher_cli("-c", config, "match", "2099D99999")
    assert code == 2 and "nor a document of that number in the store" in err


FOLDED = yaml.safe_load((Path(__file__).parent / "cases" / "folded_words.yaml").read_text(encoding="utf-8"))


def _word_by_word(text: str) -> str:
    from watcher.parliament import WORD, fold

    return " " + " ".join(fold(w) for w in WORD.findall(text)) + " "


@pytest.mark.parametrize("case", FOLDED, ids=[c["why"] for c in FOLDED])
def test_a_text_folded_in_c_has_the_words_folded_one_by_one(case):
    from watcher.watchlists.match import folded_words

    assert folded_words(case["text"]) == _word_by_word(case["text"])


def test_every_fixture_text_folds_in_c_as_word_by_word():
    # What is matched: the real documents and seeds the tests hold, every text of them.
    from watcher.watchlists.match import folded_words

    fixtures = Path(__file__).parent / "fixtures"
    texts = [p.read_text(encoding="utf-8", errors="surrogateescape") for p in sorted(fixtures.rglob("*"))
             if p.suffix in (".txt", ".xml", ".html", ".json", ".yaml") and p.stat().st_size < 5_000_000]
    texts += [extract(p.read_bytes()).text for p in sorted(fixtures.rglob("*.pdf"))]
    assert len(texts) > 80
    assert [folded_words(t) for t in texts] == [_word_by_word(t) for t in texts]


def test_the_token_at_an_offset_is_the_same_asked_in_any_order():
    # token_at counts on from the offset asked before when it can; asked backwards it must count afresh.
    import random

    from watcher.watchlists.match import FoldedText

    folded = FoldedText("De minister van Buitenlandse Zaken, over de Oeigoeren in Xinjiang; en de Tibetanen. " * 20)
    rng = random.Random(36)
    offsets = [rng.randrange(len(folded.joined)) for _ in range(500)]
    expected = [max(0, folded.joined.count(" ", 0, offset) - 1) for offset in offsets]
    assert [folded.token_at(offset) for offset in offsets] == expected
    assert folded.tokens[folded.token_at(folded.joined.index(" xinjiang ", 900) + 1)] == "xinjiang"


def test_a_character_is_replaced_by_its_fold_only_where_no_other_replacement_can_undo_it():
    # The characters a text has are replaced in no set order: one whose fold holds a character another
    # replacement changes (½ -> "1⁄2", and ⁄ -> a space) sends the text the word-by-word way.
    from watcher.watchlists.match import _fold_char

    assert [_fold_char(c) for c in "ë’ø½ℌ"] == ["e", " ", "ø", None, None]


def test_a_tokens_place_in_the_original_is_found_in_any_order_past_any_number_of_words():
    # span() passes over words 64 at a time and goes on from the token asked before: every token's place is
    # the one WORD finds, asked in random order, at the text's end too.
    import random

    from watcher.parliament import WORD
    from watcher.watchlists.match import FoldedText

    text = " ".join(f"Oeïgoer_{i}, (ü{i})—x'{i}’s" for i in range(150)) + "  einde."
    folded = FoldedText(text)
    expected = [m.span() for m in WORD.finditer(text)]
    rng = random.Random(36)
    indexes = [rng.randrange(len(expected)) for _ in range(300)] + [len(expected) - 1, 0, len(expected) - 1]
    assert [folded.span(i) for i in indexes] == [expected[i] for i in indexes]
    with pytest.raises(IndexError):
        folded.span(len(expected))
