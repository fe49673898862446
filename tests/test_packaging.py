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


def test_the_quick_start_run_works_offline_on_a_fresh_state(tmp_path, watcher_cli):
    """The first run of the bundled config only notes where each source starts: no network needed."""
    config = tmp_path / "sources.yaml"
    config.write_text((ROOT / "sources.yaml").read_text())
    code, out, err = watcher_cli("-c", config, "run", "--once")
    assert code == 0, err
    assert (tmp_path / "state" / "watcher.db").exists()
    assert "starting from now" in err
