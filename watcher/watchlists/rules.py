"""What a rule may say: the syntax of each kind of rule (keywords, members, parties, dossiers, committees,
ministries), checked as sources.yaml is read and as a subscriber adds one in chat, and a keyword as the
automaton's pattern. Apart from matching (match.py), so a verb that only reads the file does not load the
automaton's library."""

from __future__ import annotations

from ..parliament import DOSSIER_NUMBER, WORD, dossier_key, fold, member_tokens, name_words, party_key


def keyword_problem(rule: str, dutch: bool = False) -> str | None:
    """What is wrong with a keyword, in English for sources.yaml or in Dutch for a subscriber."""
    text = rule.strip()
    if not text:
        return "een leeg woord treft niets" if dutch else "an empty keyword matches nothing: remove it"
    if text.count('"') % 2:
        return (f"de aanhalingstekens in {rule!r} zijn niet gesloten: schrijf \"twee woorden\"" if dutch else
                f"unbalanced quote in {rule!r}: write \"two words\" with a quote on each side")
    bare = text.strip('"').strip()
    if not bare or not bare.replace("*", "").strip():
        return (f"{rule!r} zou elk stuk treffen: geef minstens één letter" if dutch else
                f"{rule!r} would match every document: give at least one letter")
    for word in bare.split():
        if "*" in word.strip("*"):
            return (f"'*' mag alleen aan het begin of eind van een woord staan, niet in {word!r}" if dutch else
                    f"'*' may stand only at the start or end of a word, not inside {word!r}")
        if not WORD.search(word):
            return (f"{word!r} heeft geen letters of cijfers" if dutch else
                    f"{word!r} has no letters or digits to match")
    return None


def keyword_pattern(rule: str) -> str:
    """The automaton pattern of a keyword: " oeigoer" for Oeigoer*, " sociaal krediet " for a phrase."""
    words = rule.strip().strip('"').split()
    tokens = [fold(t) for w in words for t in WORD.findall(w)]
    open_start, open_end = words[0].startswith("*"), words[-1].endswith("*")
    return ("" if open_start else " ") + " ".join(tokens) + ("" if open_end else " ")


def rule_problem(kind: str, rule: str, dutch: bool = False) -> str | None:
    """What is wrong with one rule from sources.yaml (English, for the operator) or a bot command
    (`dutch`, for the subscriber), or None."""
    if kind in ("keywords", "exclude"):
        return keyword_problem(rule, dutch)
    if kind == "members":
        if member_tokens(rule):
            return None
        return "een Kamerlid heeft een naam nodig, bijvoorbeeld Van der Staaij" if dutch else \
            "a member needs a name, e.g. Van der Staaij"
    if kind == "parties":
        # Which parties there are is the Kamer's data's to say (parliament.Parliament), not this module's.
        if party_key(rule):
            return None
        return "een partij heeft een naam nodig, bijvoorbeeld SGP" if dutch else "a party needs a name, e.g. SGP"
    if kind in ("committees", "ministries"):
        if name_words(rule):
            return None
        if kind == "committees":
            return "een commissie heeft een naam nodig, bijvoorbeeld BuZa" if dutch else \
                "a committee needs a name, e.g. BuZa"
        return "een ministerie heeft een naam nodig, bijvoorbeeld Justitie en Veiligheid" if dutch else \
            "a ministry needs a name, e.g. Justitie en Veiligheid"
    if kind == "dossiers":
        if not DOSSIER_NUMBER.match(dossier_key(rule)):
            return (f"{rule!r} is geen dossiernummer (35207, 36800-X) en geen zaaknummer (2022Z11285)" if dutch else
                    f"{rule!r} is neither a dossier number (35207, 36800-X) nor a zaak number (2022Z11285)")
        return None
    return f"unknown rule kind {kind}"
