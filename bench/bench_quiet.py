"""What watcher costs when there is nothing to do: a quiet `watcher run --once` (nothing new upstream, no chat
said anything) with the Quick start's own config (the repository's sources.yaml: both sources, the bot's token
set), against loopback fakes of the Tweede Kamer, KOOP and Telegram; and `watcher status`, the container's
health check. Medians of RUNS, CPU of the whole process.

Floors measured in the same run, in turns with the commands: a bare Python start, and importing httpx and
python-telegram-bot (what any run that polls and may send needs). Goals: the quiet run within 1.5x that
import, `status` under 0.1 s. Exit 1 is a source the fakes cannot serve all of (KOOP's feed): the work was
done all the same.

With --instructions, each of the four is counted once in instructions instead (valgrind's callgrind): the
same count from run to run, where CPU time here drifts by tens of percent.

    python bench/bench_quiet.py [RUNS]     (default 7)
    python bench/bench_quiet.py --instructions
"""

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, child_cpu_s, child_instructions

from tests.fakes.koop import FakeKOOP
from tests.fakes.telegram import FakeTelegram
from tests.fakes.tk import FakeTK


def main(runs: int, count: bool = False) -> None:
    tk, koop, telegram = FakeTK(), FakeKOOP(), FakeTelegram()
    for fake in (tk, koop, telegram):
        fake.server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "sources.yaml"
            text = (ROOT / "sources.yaml").read_text()
            text = text.replace("https://gegevensmagazijn.tweedekamer.nl/SyncFeed/2.0/", tk.url)
            text = text.replace("https://repository.overheid.nl/sru", koop.url)
            text = text.replace("https://api.telegram.org", telegram.url)
            text = text.replace("state_dir: state", f"state_dir: {Path(tmp) / 'state'}")
            assert tk.url in text and koop.url in text and telegram.url in text
            config.write_text(text)
            # As an installed watcher runs: its modules' bytecode written once and read from then on (a shell
            # with PYTHONDONTWRITEBYTECODE would compile every edited module again in every run).
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["TELEGRAM_BOT_TOKEN"] = "42:QUIET"
            watcher = [sys.executable, "-m", "watcher", "-c", str(config)]
            subprocess.run(watcher + ["run", "--once"], cwd=ROOT, check=True, capture_output=True, env=env)
            if count:
                _count(watcher, dict(env, PYTHONHASHSEED="0"))
                return
            # Each round runs the four in turn, so a stretch of a slower machine weighs on all of them; the ratio
            # is the median of the rounds' own ratios.
            rounds = []
            for _ in range(runs):
                rounds.append((child_cpu_s([sys.executable, "-c", "pass"], env),
                               child_cpu_s([sys.executable, "-c", "import httpx, telegram"], env),
                               child_cpu_s(watcher + ["run", "--once"], env, ok=(0, 1)),
                               child_cpu_s(watcher + ["status"], env, ok=(0, 1))))
        bare, imports, quiet, status = (statistics.median(r[k] for r in rounds) for k in range(4))
        ratio = statistics.median(r[2] / r[1] for r in rounds)
        print(f"medians of {runs} rounds, CPU")
        print(f"  python -c pass                      {bare * 1000:6.0f} ms")
        print(f"  import httpx, telegram              {imports * 1000:6.0f} ms  (the floor)")
        print(f"  watcher run --once, nothing new     {quiet * 1000:6.0f} ms  ({ratio:.2f}x the floor, the median of "
              f"the rounds' ratios; {quiet / bare:.1f}x a bare start; goal 1.5x)")
        print(f"  watcher status                      {status * 1000:6.0f} ms  ({status / bare:.1f}x a bare start; "
              f"goal 100 ms)")
    finally:
        for fake in (tk, koop, telegram):
            fake.server.stop()


def _count(watcher: list[str], env: dict) -> None:
    bare = child_instructions([sys.executable, "-c", "pass"], env)
    imports = child_instructions([sys.executable, "-c", "import httpx, telegram"], env)
    quiet = child_instructions(watcher + ["run", "--once"], env, ok=(0, 1))
    status = child_instructions(watcher + ["status"], env, ok=(0, 1))
    print("instructions (callgrind)")
    print(f"  python -c pass                      {bare / 1e6:6.0f} M")
    print(f"  import httpx, telegram              {imports / 1e6:6.0f} M  (the floor)")
    print(f"  watcher run --once, nothing new     {quiet / 1e6:6.0f} M  ({quiet / imports:.2f}x the floor)")
    print(f"  watcher status                      {status / 1e6:6.0f} M  ({status / bare:.1f}x a bare start)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--instructions"]:
        main(0, count=True)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
