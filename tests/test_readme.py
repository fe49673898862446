"""The README's examples run as written: every `watcher …` line of its fenced blocks that needs no network
(not `run`, which polls the real services) against the README's own sources.yaml, in a folder holding the
files the examples name."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.tk import FILES
from tests.pdfgen import render

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.S)
COMMANDS = [re.sub(r"\s+#.*$", "", part).strip()
            for kind, body in BLOCKS if kind in ("", "sh")
            for line in body.splitlines() for part in line.split("&&") if part.strip().startswith("watcher ")]
# `serve` alone serves until stopped (tests/test_channels.py runs it).
OFFLINE = [c for c in COMMANDS if not re.match(r"watcher( -c \S+)? run\b", c) and c != "watcher serve"]
# What each example may answer: `diff` says 1 when the files differ, as diff(1) does; `serve --urls` and
# `--write` say 1 before a first run made the state (these examples run on none).
EXIT = {"diff": (0, 1), "serve": (0, 1)}


def test_the_readme_has_examples_to_run():
    assert any(c.startswith("watcher extract") for c in OFFLINE) and any(c.startswith("watcher diff") for c in OFFLINE)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    here = tmp_path_factory.mktemp("readme")
    config = next(body for kind, body in BLOCKS if kind == "yaml" and "subscribers:" in body)  # Configuration's
    (here / "sources.yaml").write_text(config)
    answer = ["Vragen van de leden Ceder (ChristenUnie) en Van der Staaij (SGP) over Xinjiang.", "Vraag 1",
              "Kent u het bericht?", "Antwoord 1", "Ja, de Oeigoeren in Xinjiang worden gevolgd."]
    (here / "answer.pdf").write_bytes(render(answer))
    (here / "v2.pdf").write_bytes(render(answer))
    (here / "v3.pdf").write_bytes(render(answer[:-1] + ["Ja, de Oeigoeren in Xinjiang worden nauw gevolgd."]))
    (here / "motie.pdf").write_bytes(FILES["application/pdf"].read_bytes())
    return here


@pytest.mark.parametrize("command", OFFLINE)
def test_a_readme_example_runs_as_written(command, folder):
    words = shlex.split(command)
    # A shell would expand *.pdf; a rule such as 'Oeigoer*' was quoted, and stays as it is.
    words = [str(p) for w in words for p in (sorted(folder.glob(w)) if re.fullmatch(r"\*\.\w+", w) else [w])]
    done = subprocess.run([sys.executable, "-m", *words], cwd=folder, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode in EXIT.get(words[1], (0,)), done.stdout + done.stderr
    assert "Traceback" not in done.stderr


# The commands the README names in its text (`watcher status`), besides its examples: each is run on a state
# the README's own sources.yaml made, against the loopback Kamer, with the words it leaves to the reader filled in.
INLINE = sorted({c for c in re.findall(r"`(watcher [^`]+)`", re.sub(r"```.*?```", "", README, flags=re.S))})
FILLED = {"NAME": "china-desk", "WORD": "Ceder"}
# `run` polls (the test below runs it against the loopback Kamer); `demo` has tests of its own.
INLINE_RUN = [c for c in INLINE if not re.match(r"watcher (run|demo)\b", c) and c != "watcher serve"]


def test_the_readme_names_commands_in_its_text_too():
    assert "watcher status" in INLINE_RUN and any(c.startswith("watcher subscribers") for c in INLINE_RUN)


def test_every_command_the_readme_names_runs_on_a_state_its_own_config_made(tmp_path, tk, monkeypatch):
    from tests.fakes.tk import answer_with_askers_on_the_zaak
    config = next(body for kind, body in BLOCKS if kind == "yaml" and "subscribers:" in body)
    assert "https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0/" in config
    (tmp_path / "sources.yaml").write_text(config.replace("https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0/",
                                                          tk.url))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}  # no token: alerts go to stdout

    def watcher(*words):
        return subprocess.run([sys.executable, "-m", "watcher", *words], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, env=env)

    assert watcher("run", "--once").returncode == 0
    tk.add(answer_with_askers_on_the_zaak())
    assert watcher("run", "--once").returncode == 0
    failed = []
    for command in INLINE_RUN:
        words = [FILLED.get(w, w) for w in shlex.split(command)[1:]]
        done = watcher(*words)
        if done.returncode != 0 or "Traceback" in done.stderr:
            failed.append((command, done.returncode, done.stderr[-300:]))
    assert failed == []
