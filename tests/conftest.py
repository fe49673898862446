import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.fakes.feed import FakeFeed
from tests.fakes.koop import FakeKOOP
from tests.fakes.telegram import FakeTelegram
from tests.fakes.tk import FakeTK

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def own_cache(tmp_path_factory):
    """The configs the tests read are kept in a cache of the session's own (yamlfile.py), not the user's; the
    processes the tests start inherit it."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


def _running(fake):
    fake.server.start()
    yield fake
    fake.server.stop()


@pytest.fixture
def tk():
    yield from _running(FakeTK())


@pytest.fixture
def koop():
    yield from _running(FakeKOOP())


@pytest.fixture
def feed():
    yield from _running(FakeFeed())


@pytest.fixture
def telegram():
    yield from _running(FakeTelegram())


@pytest.fixture
def smtp():
    from tests.fakes.channels import FakeSMTP
    server = FakeSMTP().start()
    yield server
    server.stop()


@pytest.fixture
def webhook():
    from tests.fakes.channels import FakeWebhook
    yield from _running(FakeWebhook())


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("WATCHER_CONFIG", "WATCHER_STATE", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def write_config(tmp_path):
    """Write a sources.yaml into tmp_path from plain data; returns its path."""

    def write(sources=(), subscribers=(), telegram=None, **top):
        data = {"state_dir": str(tmp_path / "state"), "poll_interval": "1s",
                "http": {"timeout": "5s", "retries": 2, "backoff": "0.01s"}, **top}
        if telegram:
            # Telegram's own limits (1 message a second to a chat) would make every test slow; the tests
            # of the limits themselves put them back.
            data["telegram"] = {"limits": {"chat_interval": "0.01s", "per_second": 1000}, **telegram}
        data["sources"] = list(sources)
        data["subscribers"] = list(subscribers)
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        return path

    return write


@pytest.fixture
def watcher_cli(capsys):
    """Run `watcher ARGS` in this process; returns (exit code, stdout, stderr)."""
    from watcher.cli import main

    def run(*args):
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def spawn():
    """Start `watcher ARGS` in a process of its own (stdout and stderr piped). Whatever still runs when the
    test ends, passed or failed, is killed: a failed test must not leave a watcher polling behind it."""
    started = []

    def start(*args, env=None):
        proc = subprocess.Popen([sys.executable, "-m", "watcher", *(str(a) for a in args)], cwd=ROOT,
                                env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of the session's own (tests/postgres.py), or a skip that says why there is none."""
    from tests.postgres import Server
    try:
        server = Server().start()
    except LookupError as e:
        if os.environ.get("WATCHER_NEED_POSTGRES"):
            pytest.fail(f"WATCHER_NEED_POSTGRES is set but no PostgreSQL server could be started: {e}")
        pytest.skip(f"no PostgreSQL server could be started: {e}")
    yield server
    server.stop()


@pytest.fixture
def postgres_dsn(postgres_server):
    """The DSN of a fresh database on the session's server."""
    return postgres_server.new_database()


@pytest.fixture
def two_stores(postgres_dsn):
    """Two watchers' stores on one fresh database, as two processes open them; closed after the test."""
    from watcher.store import open_store

    stores = [open_store(None, kind="postgresql", dsn=postgres_dsn) for _ in range(2)]
    yield stores
    for store in stores:
        store.close()
