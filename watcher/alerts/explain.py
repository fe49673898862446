""""Wat betekent deze melding?": every headline a subscriber can receive, when it comes, and an example.

One text, two readers: the bot's /uitleg sends it (Telegram HTML) and docs/meldingen.md is it as Markdown
(a test keeps the file equal to `markdown()`). Each headline's `begins` is how the real one starts: a test
makes every decider say each of its headlines and finds it here, so a new headline cannot go unexplained.
"""

from __future__ import annotations

import html
from typing import NamedTuple


class Headline(NamedTuple):
    begins: str  # how the headline starts, or what follows its first ": " (a vote's "aangenomen: uitslag …")
    example: str  # the first line of such an alert
    means: str  # when it comes and what it says


INTRO = ("Elke melding begint met één regel die zegt wat er gebeurde, met wat en door wie: die regel ziet u "
         "op uw telefoon. Daaronder staan het soort stuk, het nummer, de datum, de zaak en het dossier, dan "
         "schuin gedrukt waarom u het krijgt (trefwoord, Kamerlid, partij, dossier, commissie of ministerie "
         "dat u volgt), een "
         "stukje tekst waarin uw trefwoord staat, en de links. Onder een melding staan knoppen: volg het "
         "dossier of de vraag, of „Niet meer over dit document”.")

SECTIONS: list[tuple[str, list[Headline]]] = [
    ("Stukken", [
        Headline("nieuw", "Nieuw: Motie over een betere schaderegeling — Podt (D66)",
                 "Een stuk dat u volgt is verschenen bij de Tweede Kamer of op officielebekendmakingen.nl. "
                 "U krijgt het één keer, ook als het later via de andere bron nog eens verschijnt."),
        Headline("gewijzigd, versie", "Gewijzigd, versie 2 → 3: Motie over een betere schaderegeling — Podt (D66)",
                 "Een nieuwe versie van een stuk dat u volgt, met een andere tekst. Onder de melding staat wat "
                 "er veranderde (• Antwoord 7: «oud» → «nieuw»); in de bijlage staan alle wijzigingen als "
                 "webpagina. Alleen opmaak (regels, afbreekstreepjes, paginakoppen) telt niet als wijziging. "
                 "Bij officielebekendmakingen.nl heet dat „nieuwe versie (-n1)”."),
        Headline("gewijzigd: vervangt", "Gewijzigd: vervangt motie nr. 3370 (2025D05999): Gewijzigde motie over …",
                 "Een gewijzigde motie of een gewijzigd amendement dat een eerdere versie vervangt; onder de "
                 "melding staat wat er anders is dan in de motie die u kende."),
        Headline("verwijderd", "Verwijderd: Motie over een betere schaderegeling — Podt (D66)",
                 "De Kamer heeft een stuk waarover u een melding kreeg teruggetrokken of van haar site gehaald."),
    ]),
    ("Schriftelijke vragen", [
        Headline("beantwoord na", "Beantwoord na 22 dagen (termijn 21): Antwoord op vragen over Syrische Druzen",
                 "Vragen die u volgt zijn beantwoord. Het aantal dagen telt vanaf het stellen van de vragen; de "
                 "termijn is drie weken, langer na een uitstelbericht."),
        Headline("alsnog beantwoord na", "Alsnog beantwoord na 40 dagen (termijn 21): Antwoord op vragen over …",
                 "Het antwoord kwam na de termijn."),
        Headline("beantwoord", "Beantwoord: Antwoord op vragen over …",
                 "Een antwoord waarvan niet bekend is wanneer de vragen gesteld werden: zonder dagen."),
        Headline("nader antwoord", "Nader antwoord: Antwoord op vragen over …",
                 "Een tweede of aanvullend antwoord op vragen die al beantwoord waren."),
        Headline("uitstel", "Uitstel: antwoord nu verwacht uiterlijk 12 januari 2027 — “Het antwoord vraagt "
                 "afstemming met andere departementen.”: Vragen over …",
                 "Het ministerie laat weten dat het antwoord later komt, met de nieuwe uiterste datum en de "
                 "reden als het bericht die noemt."),
        Headline("termijn verstreken", "Termijn verstreken: 25 dagen zonder antwoord (termijn 21): Vragen over …",
                 "Eén keer, op de dag dat de termijn voorbijgaat en er nog geen antwoord is."),
        Headline("ingetrokken", "Ingetrokken: de vragen worden niet meer beantwoord: Vragen over …",
                 "De vragensteller heeft de vragen ingetrokken."),
    ]),
    ("Stemmingen", [
        Headline("aangenomen", "Aangenomen, 78 voor – 72 tegen: Motie over …",
                 "De Kamer stemde over een motie of amendement dat u volgt. Daaronder staat welke fracties voor "
                 "en tegen stemden, en hoe de partij of het Kamerlid dat u volgt stemde. Zonder getallen als "
                 "de stemverhouding nog niet bekend is."),
        Headline("verworpen", "Verworpen, 60 voor – 90 tegen: Motie over …", "Als „aangenomen”, maar verworpen."),
        Headline("aangenomen zonder stemming", "Aangenomen zonder stemming (hamerstuk): Motie over …",
                 "Aangenomen zonder dat er gestemd werd."),
        Headline("stemming uitgesteld", "Stemming uitgesteld: Motie over …", "De stemming gaat niet door op de "
                 "geplande dag."),
        Headline("stemverhouding bekend", "Aangenomen: stemverhouding bekend, 78 voor – 72 tegen: …",
                 "De uitslag was al gemeld; nu is ook bekend wie voor en tegen stemde."),
        Headline("vergissing gemeld", "Aangenomen: vergissing gemeld door SGP: Motie over …",
                 "Een fractie liet weten dat haar stem een vergissing was; de uitslag blijft staan."),
        Headline("uitslag gecorrigeerd", "Aangenomen: uitslag gecorrigeerd, nu 76 voor – 74 tegen: …",
                 "De Kamer heeft de stemverhouding verbeterd."),
    ]),
    ("Debatten en vergaderingen", [
        Headline("gepland", "Gepland: commissiedebat dinsdag 8 december 2026, 10:00–12:00: Motie over …",
                 "Een debat of vergadering over iets dat u volgt staat op de agenda; daaronder wanneer, waar, "
                 "welke commissie en de agendapunten."),
        Headline("morgen", "Morgen: commissiedebat dinsdag 8 december 2026, 10:00–12:00: …",
                 "Een herinnering, de dag ervoor, als het debat nog doorgaat."),
        Headline("verplaatst", "Verplaatst: commissiedebat van dinsdag 8 december 2026, 10:00–12:00 naar "
                 "donderdag 10 december 2026, 14:00–16:00: …",
                 "Het debat is naar een andere dag of tijd gegaan (of: „nieuwe datum nog niet bekend”)."),
        Headline("geannuleerd", "Geannuleerd: commissiedebat van dinsdag 8 december 2026, 10:00–12:00: …",
                 "Het debat gaat niet door."),
    ]),
    ("Wat er in een debat gezegd werd", [
        Headline("in het debat sprak", "In het debat sprak Ceder (ChristenUnie): Slavernijverleden",
                 "Het Kamerlid dat u volgt (of iemand van de partij die u volgt) sprak in een debat, of iemand "
                 "zei uw trefwoord; uit het eigen verslag van de Kamer, dezelfde dag. Daaronder de eerste "
                 "woorden. Eén keer per debat, ook als het verslag later aangroeit. „Spraken” als het er "
                 "meer zijn; bij een dossier dat u volgt: iedereen die in het debat erover sprak."),
        Headline("correctie in het verslag", "Correctie in het verslag: Ceder (ChristenUnie): Slavernijverleden",
                 "In het gecorrigeerde verslag staat iets anders dan eerst bij iemand over wie u een melding "
                 "kreeg: wat er eerst stond en wat er nu staat. Hoogstens één keer per debat."),
    ]),
    ("Toezeggingen", [
        Headline("nieuwe toezegging", "Nieuwe toezegging: De minister stuurt de Kamer voor de zomer een brief over …",
                 "Een minister of staatssecretaris heeft de Kamer iets toegezegd. Daaronder: wat, door wie, aan "
                 "welk Kamerlid of welke fractie, uiterlijk wanneer en in welk debat. Met „(afgedaan)” erachter "
                 "als de toezegging al was nagekomen toen watcher haar zag, met „termijn verstreken” als de "
                 "datum al voorbij was."),
        Headline("toezegging ", "Toezegging afgedaan: De minister stuurt de Kamer voor de zomer een brief over …",
                 "De Kamer heeft de toezegging afgedaan, deels afgedaan of laten vervallen (de status staat er "
                 "zoals de Kamer haar noemt), met de brief die haar nakomt als het register die noemt."),
        Headline("toezegging: termijn verstreken", "Toezegging: termijn verstreken: De minister stuurt de Kamer …",
                 "Eén keer, op de dag nadat de toegezegde datum voorbijging terwijl de toezegging nog openstaat."),
    ]),
    ("Overzichten", [
        Headline("overzicht", "Overzicht (afgelopen dag): 5 meldingen",
                 "Voor een regel met „dagelijks” of „uurlijks” erachter komen de meldingen samen in één "
                 "overzicht; stille uren (/stil) houden het geluid uit."),
    ]),
]

FOOTER = ("De melding zegt schuin gedrukt waarom u haar krijgt. „(de treffer staat niet in het gewijzigde "
          "deel)” betekent: uw trefwoord staat in het stuk, maar niet in wat er veranderde.")


def headlines() -> list[Headline]:
    return [h for _, entries in SECTIONS for h in entries]


def explains(headline: str) -> Headline | None:
    """The entry that explains a headline as a decider wrote it: the longest `begins` it starts with, or
    that follows its first ": " (what happened to a vote, whatever its result)."""
    said = headline.lower()
    after = said.partition(": ")[2]
    found = [h for h in headlines() if said.startswith(h.begins) or after.startswith(h.begins)]
    return max(found, key=lambda h: len(h.begins)) if found else None


def telegram_lines() -> list[str]:
    """The page as Telegram HTML lines (the bot's /uitleg packs them into messages)."""
    e = lambda s: html.escape(s, quote=False)  # noqa: E731
    lines = ["<b>Wat betekent deze melding?</b>", e(INTRO)]
    for title, entries in SECTIONS:
        lines += ["", f"<b>{e(title)}</b>"]
        lines += [f"• <i>{e(h.example)}</i>\n{e(h.means)}" for h in entries]
    return lines + ["", e(FOOTER)]


def markdown() -> str:
    """The page as docs/meldingen.md."""
    out = ["# Wat betekent deze melding?", "", INTRO]
    for title, entries in SECTIONS:
        out += ["", f"## {title}", ""]
        out += [f"- **{h.example}**  \n  {h.means}" for h in entries]
    return "\n".join(out + ["", FOOTER]) + "\n"
