"""What a chat reads from the bot that is not an alert: help, menu, refusals, the names of things. One room for
the bot's Dutch; the code's own command names are English, and the Dutch ones map onto them (DUTCH)."""

HELP = """Ik meld nieuwe en gewijzigde stukken van de Tweede Kamer en officielebekendmakingen.nl.

/volg <woord> – volg een onderwerp (Xinjiang, Oeigoer*, "sociaal krediet", *surveillance*);
  met dagelijks of uurlijks erachter komt die regel in een dagelijks of uurlijks overzicht
/ontvolg <woord> – volg het niet meer
/lid <naam> – volg een Kamerlid (Van der Staaij)
/dossier <nummer> – volg een dossier of zaak (35207, 2022Z11285)
/partij <naam> – volg een partij (SGP, ChristenUnie)
/commissie <naam> – volg wat een Kamercommissie leidt (BuZa, Justitie en Veiligheid)
/ministerie <naam> – volg een ministerie of bewindspersoon: brieven, vragen, toezeggingen
/nooit <woord> – nooit iets met dit woord (Tibet)
/lijst – wat u volgt
/proef <woord> – wat die regel de afgelopen 30 dagen had gemeld
/recent – de laatste 10 meldingen aan dit gesprek
/agenda – de debatten die u volgt in uw eigen agenda, en uw meldingen in een feedlezer
/stil 22:00-07:00 – stille uren: meldingen zonder geluid (met "bewaar": erna); /stil uit
/pauze, /hervat – meldingen even uit en weer aan
/stop – geen meldingen meer (uw lijst blijft bewaard; /start zet ze weer aan)
/uitleg – wat elke soort melding betekent, met voorbeelden
/privacy – wat over dit gesprek bewaard wordt, en hoe lang
/vergeet – wis alles over dit gesprek

Onder elke melding staan knoppen: volg het dossier of de vraag, of niets meer over dat stuk.
De Engelse namen werken ook: /watch, /unwatch, /member, /party, /committee, /ministry, /exclude, /list, /preview,
/explain, /pause, /resume, /addresses."""

# The Dutch command names, for the English ones the code knows (which work as well).
DUTCH = {"volg": "watch", "ontvolg": "unwatch", "lid": "member", "partij": "party", "nooit": "exclude",
         "commissie": "committee", "ministerie": "ministry",
         "lijst": "list", "proef": "preview", "pauze": "pause", "hervat": "resume", "uitleg": "explain",
         "agenda": "addresses"}
# What Telegram shows in its menu (setMyCommands): the Dutch names, in the order a new subscriber needs them.
MENU = [("volg", "volg een onderwerp"), ("lid", "volg een Kamerlid"), ("dossier", "volg een dossier of zaak"),
        ("partij", "volg een partij"), ("commissie", "volg een Kamercommissie"),
        ("ministerie", "volg een ministerie"), ("lijst", "wat u volgt"), ("ontvolg", "volg iets niet meer"),
        ("nooit", "nooit iets met dit woord"), ("proef", "wat een regel had gemeld"),
        ("recent", "de laatste meldingen"), ("agenda", "debatten in uw agenda"), ("stil", "stille uren"),
        ("pauze", "meldingen even uit"),
        ("hervat", "meldingen weer aan"), ("stop", "geen meldingen meer"), ("privacy", "wat er bewaard wordt"),
        ("vergeet", "wis alles over dit gesprek"), ("uitleg", "wat een melding betekent"),
        ("help", "wat deze bot kan")]

# /agenda: the addresses of `watcher serve` for this chat's subscriber
ADDRESSES = ("Neem deze adressen over in uw agenda (\"abonneren via URL\") of feedlezer; ze zijn alleen voor u, "
             "deel ze niet:")
ADDRESS_NAMES = {"agenda": "Uw agenda: de debatten en activiteiten die u werden gemeld",
                 "meldingen": "Al uw meldingen als feed"}
NO_ADDRESSES = "Er zijn nog geen adressen: vraag de beheerder om watcher serve aan te zetten."

# The chat's id is what the operator needs to let it in (`telegram.allow` or a subscriber's `telegram:`).
REFUSAL = ("Deze bot is niet open voor dit gesprek. Vraag de beheerder om u toe te voegen, met dit nummer: "
           "{chat}")

FREQUENCY = {"instant": "instant", "direct": "instant", "hourly": "hourly", "uurlijks": "hourly",
             "daily": "daily", "dagelijks": "daily"}  # the last word of /watch Xinjiang daily
FREQUENCY_WORDS = {"instant": "direct", "hourly": "elk uur", "daily": "dagelijks"}
ARGUMENT_WORD = {"watch": "woord", "member": "naam", "dossier": "nummer", "party": "naam", "exclude": "woord",
                 "committee": "naam", "ministry": "naam"}
STALE = "Deze knop werkt niet (meer): er is niets veranderd."
PRIVACY = """Wat deze bot over dit gesprek bewaart:
• het nummer van dit gesprek, en wat u volgt of uitsluit (/list), gepauzeerd of gestopt, stille stukken;
• de meldingen die naar dit gesprek gingen: {days} dagen, daarna worden ze gewist;
• bij elk stuk dat u werd gemeld, dat u het kreeg (zo hoort u van een antwoord op een vraag die u volgt).
Een gesprek dat de bot niet mag gebruiken, wordt één keer geweigerd en 24 uur onthouden, alleen in het geheugen.
/vergeet wist dit alles."""
# /lijst's headings, one per kind of rule
LIST_TITLES = {"keywords": "Onderwerpen", "members": "Kamerleden", "dossiers": "Dossiers", "parties": "Partijen",
               "committees": "Commissies", "ministries": "Ministeries", "exclude": "Uitgezonderd"}
