"""`watcher demo`: one command, offline, no token, no config, tells the whole story through the real pipeline."""

import re
import subprocess
import sys

import pytest


def test_the_demo_tells_the_story_offline_and_keeps_what_it_made(tmp_path):
    keep = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "watcher", "demo", "--keep", str(keep)],
                          capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    steps = re.split(r"\n━━ ", out)
    assert len(steps) == 8, out  # the intro, six steps, and what to do next
    first, new, revised, resent, koop, status = steps[1:7]
    assert "niemand krijgt een melding" in first
    # A keyword hit, and a member hit through the zaak (Ceder is not on the document itself).
    assert "▸ aan asiel-desk:\n     Nieuw: Gewijzigde motie over een betere schaderegeling" in new
    assert "\n     Motie (gewijzigd/nader) 2025D06779 · " in new
    assert ("▸ aan syrie-onderzoek:\n     Nieuw: Antwoord op vragen over het artikel “Syrische Druzen werden"
            " buitengerechtelijk geëxecuteerd’’ — Kahraman (NSC), Ceder (ChristenUnie)\n"
            "     Antwoord schriftelijke vragen 2025D43150 · ") in new
    assert "vragen van I. Kahraman (NSC), D.G.M. Ceder (ChristenUnie) · antwoord van " in new
    assert "sgp-volger" not in out.split("Volglijst", 1)[1].split("━━", 1)[1]  # followed, never alerted
    # The revision, with its labelled change and the HTML diff kept on disk.
    assert "Gewijzigd, versie 2 → 3: Gewijzigde motie over een betere schaderegeling" in revised
    assert "«acht weken;» → «zes weken; en breid de schaderegeling uit" in revised
    [page] = re.findall(r"\(bijlage: de wijzigingen als webpagina, (\S+)\)", revised)
    assert page.startswith(str(keep)) and "<del>" in open(page, encoding="utf-8").read()
    # A mass re-send, and the same document via KOOP: nobody hears of either.
    assert resent.count("▸ aan") == 0 and "niemand krijgt een melding" in resent
    assert koop.count("▸ aan") == 0 and "niemand krijgt een melding" in koop
    assert "tweedekamer (tweedekamer): ok" in status and "alerts waiting: 0" in status
    assert "TELEGRAM_BOT_TOKEN" in steps[7] and "watcher run" in steps[7]
    assert (keep / "state").is_dir() and (keep / "sources.yaml").exists()


def test_without_keep_the_demo_leaves_nothing_behind(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "watcher", "demo"], capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(tmp_path.iterdir()) == []


def test_preview_shows_what_the_watchlists_would_have_alerted_over_the_stored_history(tmp_path, watcher_cli):
    keep = tmp_path / "demo"
    assert subprocess.run([sys.executable, "-m", "watcher", "demo", "--keep", str(keep)], capture_output=True,
                          timeout=120).returncode == 0
    config = keep / "sources.yaml"
    code, out, err = watcher_cli("-c", config, "preview")
    assert code == 0, err
    desk = out.split("\nasiel-desk: ", 1)[1].split("\n\n", 1)[0]
    # The motie once, though stored from both the Kamer and KOOP.
    assert desk.startswith("1 document would have alerted") and "2025D06779" in desk
    assert "trefwoord schaderegeling · trefwoord Ter Apel" in desk
    assert "syrie-onderzoek: 1 document would have alerted" in out and "Kamerlid D.G.M. Ceder, medeindiener" in out
    assert "sgp-volger: 0 documents would have alerted" in out
    code, out, err = watcher_cli("-c", config, "preview", "-s", "syrie-onderzoek", "--since", "30d")
    assert code == 0 and "asiel-desk" not in out and "2025D43150" in out
    code, out, err = watcher_cli("-c", config, "preview", "-s", "niemand")
    assert code == 2 and "known: asiel-desk, syrie-onderzoek, sgp-volger" in out


def test_the_demo_sends_its_story_to_a_real_chat_when_asked(telegram):
    # `telegram` is a Bot API on loopback standing in for api.telegram.org.
    done = subprocess.run([sys.executable, "-m", "watcher", "demo", "--telegram", "--chat", "777", "--api-url",
                           telegram.url], capture_output=True, text=True, timeout=180,
                          env={"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "42:REAL"})
    assert done.returncode == 0, done.stdout + done.stderr
    texts = telegram.texts(777)
    # The two chats of a step are served side by side: their order within a step is not fixed.
    assert sorted(t.split("\n")[1].split(" · ")[0] for t in texts if not t.startswith("2025D")) == sorted([
        "Motie (gewijzigd/nader) 2025D06779", "Antwoord schriftelijke vragen 2025D43150",
        "Motie (gewijzigd/nader) 2025D06779"])
    assert sorted(t.split(":")[0] for t in texts if not t.startswith("2025D")) == [
        "<b>Gewijzigd, versie 2 → 3", "<b>Nieuw", "<b>Nieuw"]
    assert texts[-1].startswith("2025D06779")  # the diff page comes last, after the revision it belongs to
    # With the buttons a subscriber gets under each alert.
    alerts = [m for m in telegram.messages if m["method"] == "sendMessage" and not m["text"].startswith("2025D")]
    assert all(("Niet meer over dit document" in str(telegram.keyboard(m))) for m in alerts), alerts
    assert [m["method"] for m in telegram.messages].count("sendDocument") == 1


def test_the_demo_says_what_telegram_needs(tmp_path):
    done = subprocess.run([sys.executable, "-m", "watcher", "demo", "--telegram"], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and "TELEGRAM_BOT_TOKEN" in done.stderr and "--chat" in done.stderr


@pytest.mark.parametrize("refusal", ["token", "chat"])
def test_a_demo_whose_messages_telegram_refuses_says_why_goes_on_and_exits_2(refusal, telegram):
    if refusal == "token":
        telegram.refuse_token = True
    else:
        telegram.fail(400, "Bad Request: chat not found")
    done = subprocess.run([sys.executable, "-m", "watcher", "demo", "--telegram", "--chat", "777", "--api-url",
                           telegram.url], capture_output=True, text=True, timeout=180,
                          env={"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "42:REAL"})
    assert done.returncode == 2, done.stdout + done.stderr
    [said] = done.stderr.strip().splitlines()
    assert said.startswith("watcher: demo --telegram: ") and said.endswith("the demo goes on here only")
    assert ("refused the token" if refusal == "token" else "cannot go to chat 777") in said
    assert "Traceback" not in done.stderr and "42:REAL" not in done.stderr
    assert "4. De Kamer stuurt alles opnieuw" in done.stdout  # the story went on


def test_the_demo_kept_twice_tells_the_same_story_and_a_file_in_the_way_is_said(tmp_path):
    def demo(keep):
        return subprocess.run([sys.executable, "-m", "watcher", "demo", "--keep", str(keep)], capture_output=True,
                              text=True, timeout=180, env={"PATH": "/usr/bin:/bin"})

    keep = tmp_path / "demo"
    first, again = demo(keep), demo(keep)
    assert first.returncode == again.returncode == 0, again.stdout + again.stderr
    assert re.sub(r"\d+", "N", first.stdout) == re.sub(r"\d+", "N", again.stdout)
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    for place, says in (("a-file", "is a file"), ("mine", "holds files the demo did not make")):
        done = demo(tmp_path / place)
        assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine"
