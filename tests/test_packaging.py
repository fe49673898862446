"""What can be checked of the container and the packaging without a Docker engine."""

import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dockerfile_instructions():
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            yield word.upper(), rest.strip()


def console_scripts():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def test_every_file_the_dockerfile_copies_exists():
    copies = [rest for word, rest in dockerfile_instructions() if word == "COPY"]
    assert copies
    for rest in copies:
        *sources, _dest = shlex.split(rest)
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repository"


def test_the_container_runs_an_installed_command_as_a_non_root_user_with_state_on_a_volume():
    instructions = list(dockerfile_instructions())
    cmd = [rest for word, rest in instructions if word == "CMD"][-1]
    health = [rest for word, rest in instructions if word == "HEALTHCHECK"][-1]
    for command in (cmd, re.sub(r"^(--\S+\s+)*CMD\s+", "", health)):
        program = shlex.split(command.strip("[]").replace(",", " "))[0]
        assert program in console_scripts(), f"{program} is not a console script of the package"
    assert [rest for word, rest in instructions if word == "USER"][-1] not in ("root", "0")
    assert any(word == "VOLUME" and "/state" in rest for word, rest in instructions)
    env = " ".join(rest for word, rest in instructions if word == "ENV")
    assert "WATCHER_STATE=/state" in env


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"```sh\n(.*pytest.*)\n```", readme).group(1)
    assert command in ci


def test_the_bundled_config_is_valid(watcher_cli):
    code, out, err = watcher_cli("-c", ROOT / "sources.yaml", "check")
    assert code == 0, err
    assert "OK" in out


def test_the_bundled_config_first_run_asks_each_source_and_records_a_baseline(tmp_path, tk, koop, watcher_cli):
    """The first run of the bundled config reaches every source once (so a wrong URL fails now, not every
    later cycle) and then alerts nothing. Here its URLs point at the loopback fakes."""
    text = (ROOT / "sources.yaml").read_text()
    text = text.replace("https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0/", tk.url)
    text = text.replace("https://repository.overheid.nl/sru", koop.url)
    config = tmp_path / "sources.yaml"
    config.write_text(text)
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert (tmp_path / "state" / "watcher.db").exists() and out == ""
    assert err.count("starting from now") == 2
    assert tk.server.requests and koop.server.requests
    assert watcher_cli("-c", config, "status")[0] == 0


def test_the_container_reads_its_config_from_a_folder_and_is_given_time_to_stop():
    """A single-file bind mount keeps the old file when an editor saves by rename: the reload never happens.
    And `docker stop`'s 10 s can cut the documented clean stop short."""
    import yaml
    env = " ".join(rest for word, rest in dockerfile_instructions() if word == "ENV")
    config = re.search(r"WATCHER_CONFIG=(\S+)", env).group(1)
    assert config == "/config/sources.yaml"
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    watcher = compose["services"]["watcher"]
    assert "./config:/config:ro" in watcher["volumes"] and any(v.startswith("state:/state") for v in watcher["volumes"])
    assert int(watcher["stop_grace_period"].rstrip("s")) >= 30
    readme = (ROOT / "README.md").read_text()
    assert '-v "$PWD/config:/config:ro"' in readme and "--stop-timeout 60" in readme
