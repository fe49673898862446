"""Parties and members by the Kamer's own data: the recorded Persoon and Fractie pages, read through the fake
SyncFeed into the mirror by a first run, are what a name is checked against (watcher/parliament.py)."""

import json

from tests.fakes.tk import ODATA
from watcher.bot.app import WatchBot
from watcher.config import load
from watcher.store import open_store


def _publish_names(tk):
    """The recorded Kamerleden (Oct 2025) and fracties, as the SyncFeed has them."""
    for row in json.loads((ODATA / "persoon__active_members_value_array.json").read_text()):
        tk.put_entity("Persoon", row["Id"], {"initialen": row["Initialen"], "tussenvoegsel": row["Tussenvoegsel"],
                                             "achternaam": row["Achternaam"], "roepnaam": row["Roepnaam"]})
    for row in json.loads((ODATA / "fractie__page_value_array.json").read_text()):
        tk.put_entity("Fractie", row["Id"], {"afkorting": row["Afkorting"], "naamNl": row["NaamNL"]})


def test_a_name_the_kamer_does_not_have_is_told_with_the_nearest_in_check_and_in_chat(tk, telegram, write_config,
                                                                                    watcher_cli):
    _publish_names(tk)
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url}],
                          [{"name": "a", "members": ["Cedar", "Van der Staaij", "M.H. Bikker"],
                            "parties": ["ChristenUnie", "Nieuw Sociaal Kontrakt"]}],
                          telegram={"api_url": telegram.url, "allow": "open"})
    code, out, err = watcher_cli("-c", config, "check")
    assert code == 0 and "not checked yet" in out, (out, err)  # before the first run: taken as written
    assert watcher_cli("-c", config, "run", "--once")[0] == 0
    code, out, err = watcher_cli("-c", config, "check")
    assert code == 2, out
    assert "subscribers[0].members[0]: unknown member 'Cedar' (did you mean 'Ceder'?)" in err
    # Van der Staaij left the Kamer before the recorded page: unknown to it, with nothing near enough.
    assert "subscribers[0].members[1]: unknown member 'Van der Staaij'; the Tweede Kamer's data names no such" in err
    assert "members[2]" not in err and "parties[0]" not in err
    assert "parties[1]: unknown party 'Nieuw Sociaal Kontrakt' (did you mean 'Nieuw Sociaal Contract'?)" in err
    settings = load(config)
    with open_store(settings.state_dir) as store:
        bot = WatchBot(settings, store, "1:T", rules_changed=lambda: None)
        assert bot.answer(5, "/member Cedar") == ("Dat gaat niet: de Kamer kent geen Kamerlid 'Cedar'; "
                                                  "bedoelt u 'Ceder'?")
        assert bot.answer(5, "/party GroenLinks PvdA") == "U volgt nu <b>GroenLinks PvdA</b>."
        assert bot.answer(5, "/party Groen Links") == ("Dat gaat niet: de Kamer kent geen fractie 'Groen Links'; "
                                                      "bedoelt u 'GroenLinks-PvdA'?")
        assert bot.answer(5, "/member Ceder") == "U volgt nu <b>Ceder</b>."
