""""Wat betekent deze melding?": every headline the deciders can say is explained, and nothing else is."""

from datetime import date
from pathlib import Path

import yaml

from tests.test_bot import bot_for  # noqa: F401 (a fixture)
from tests.test_telegram import make_alert
from watcher.alerts import alert, explain
from watcher.news import agenda, debates, questions, toezeggingen, votes
from watcher.model import Meta

DOCS = Path(__file__).parent.parent / "docs" / "meldingen.md"
AGENDA = yaml.safe_load((Path(__file__).parent / "cases" / "agenda_news.yaml").read_text())


def question_headlines() -> list[str]:
    """What questions.observe and overdue_event say along every path of a written question's life."""
    asked = {"question": "q", "asked_on": "2026-11-01"}
    said = [
        questions.observe(asked, "a", "Antwoord schriftelijke vragen", "2026-11-20")[1],  # in time
        questions.observe(asked, "a", "Antwoord schriftelijke vragen", "2026-12-20")[1],  # late
        questions.observe({"question": "q"}, "a", "Antwoord schriftelijke vragen", "2026-11-20")[1],  # no date asked
        questions.observe({**asked, "answers": [["a", "2026-11-20"]]}, "b", "Antwoord schriftelijke vragen",
                          "2026-11-25")[1],
        questions.observe(asked, "d", "Mededeling (uitstel antwoord)", "2026-11-15",
                          "De beantwoording vergt meer tijd omdat afstemming nodig is.")[1],
        questions.observe(asked, "w", questions.WITHDRAWN, "2026-11-15")[1],
        questions.overdue_event(asked, date(2026, 11, 30)),
    ]
    assert all(said), said
    return said


def vote_headlines() -> list[str]:
    """What votes.decide says of a vote as its rows arrive: the result, the positions, a vergissing, a fix."""
    def position(naam, soort, vergissing=False):
        return {"naam": naam, "fractie": naam, "soort": soort, "zetels": 10, "vergissing": vergissing, "lid": ""}

    said = []
    for soort in ("Stemmen - aangenomen", "Stemmen - verworpen", "Stemmen - zonder stemming aannemen",
                  "Stemmen - uitstellen"):
        said.append(votes.decide({"soort": soort, "positions": {}})[1].headline)
    steps = [{"a": position("SGP", "Voor"), "b": position("PVV", "Tegen")},
             {"a": position("SGP", "Voor", vergissing=True), "b": position("PVV", "Tegen")},
             {"a": position("SGP", "Voor"), "b": position("PVV", "Voor")}]
    state = votes.decide({"soort": "Stemmen - aangenomen", "positions": {}})[0]
    for positions in steps:
        state, event = votes.decide({**state, "positions": positions})
        said.append(event.headline)
    said.append(votes.decide({"soort": "Stemmen - aangenomen", "positions": steps[0]})[1].headline)
    return said


def agenda_headlines() -> list[str]:
    said = [step["told"] for case in AGENDA["cases"] for step in case["steps"] if step["told"]]
    base = {**AGENDA["base"], "told": {"when": "x", "status": "Gepland", "events": 1}}
    said.append(agenda.reminder(base, date(2026, 12, 7)))
    return said


def promise_headlines() -> list[str]:
    """What toezeggingen.decide says along tests/cases/toezeggingen.yaml."""
    cases = yaml.safe_load((Path(__file__).parent / "cases" / "toezeggingen.yaml").read_text())
    said = [toezeggingen.decide({**c["state"], "told": dict(c["told"] or {})}, date.fromisoformat(c["today"]))[1]
            for c in cases]
    return [event.headline for event in said if event is not None]


def debate_headlines() -> list[str]:
    """What the debates stream's words say: one speaker, several, more than it names, a correction."""
    speaker = {"id": "a", "name": "Ceder", "fractie": "ChristenUnie", "first": "Dank u wel."}
    debate = {"speakers": {"a": speaker}}
    many = [dict(speaker, id=str(i), name=f"Lid {i}") for i in range(5)]
    return [debates.spoke_words([speaker], debate)[0], debates.spoke_words(many, debate)[0],
            debates.correction_words([debates.Event("d", "a", "corrected", "x", "y")], debate)[0]]


def all_headlines() -> list[str]:
    documents = [alert.headline(make_alert(kind=kind, old_version="2", version="3"))
                 for kind in alert.KIND_WORDS]
    documents.append(alert.replaces(Meta(soort="Motie (gewijzigd/nader)", volgnummer="3370"), "2025D05999"))
    digest = alert.render_digest([make_alert()], "afgelopen dag")[0].split("\n")[0].removeprefix("<b>")
    return (documents + question_headlines() + vote_headlines() + agenda_headlines() + promise_headlines()
            + debate_headlines() + [digest])


def test_every_headline_a_subscriber_can_receive_is_explained():
    unexplained = [h for h in all_headlines() if explain.explains(h) is None]
    assert unexplained == []


def test_every_explanation_is_of_a_headline_the_deciders_say():
    used = {explain.explains(h) for h in all_headlines()}
    assert [h.begins for h in explain.headlines() if h not in used] == []


def test_each_example_is_explained_by_its_own_entry():
    assert [h.example for h in explain.headlines() if explain.explains(h.example) != h] == []


def test_the_page_in_docs_is_the_one_the_bot_sends():
    assert DOCS.read_text(encoding="utf-8") == explain.markdown(), \
        "docs/meldingen.md is made from watcher/alerts/explain.py: python -c 'from watcher.alerts.explain import markdown; " \
        "print(markdown(), end=\"\")' > docs/meldingen.md"


def test_the_bot_explains_its_alerts_and_help_says_how(bot_for):  # noqa: F811
    bot = bot_for()
    assert "/uitleg" in bot.answer(5, "/help")
    reply = bot.answer(5, "/uitleg")
    assert reply.startswith("<b>Wat betekent deze melding?</b>") and "Termijn verstreken" in reply
    assert bot.answer(5, "/explain") == reply
    from watcher.bot.text import reply_parts
    parts = reply_parts(reply)  # as Telegram gets it: whole, in messages it takes
    assert all(len(p) <= 4096 for p in parts) and not any("regels meer" in p for p in parts)
