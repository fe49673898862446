"""An open bot flooded by strangers: STRANGERS chats each send /start, then a subscriber sends /list. How
long until the /list is answered, in a long-running `watcher run` with the real Telegram client, against
the floor Telegram's own limit sets (every reply before it at 30 a second), with a state that already
holds CHATS chats with rules. Also the 429s the fake Bot API had to give (Telegram's limits enforced).

    python bench/bench_bot_flood.py [STRANGERS] [CHATS]          (default 600 strangers, 2,000 chats)
"""

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, wait_for

from tests.fakes.telegram import FakeTelegram
from tests.fakes.tk import FakeTK
from watcher.watchlists import subscribers as subs
from watcher.store import open_store

SUBSCRIBER = 7


def main(strangers: int, chats: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    tk, telegram = FakeTK(), FakeTelegram()
    telegram.enforce = True  # Telegram's own limits: 30 a second, 1 a second per chat
    tk.server.start()
    telegram.server.start()
    config = tmp / "sources.yaml"
    config.write_text(f"""state_dir: {tmp / 'state'}
poll_interval: 30s
telegram: {{api_url: "{telegram.url}", allow: open}}
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}", events: [documents]}}
subscribers:
  - {{name: desk, telegram: {SUBSCRIBER}, keywords: [stikstof]}}
""")
    with open_store(tmp / "state") as store:
        for chat in range(chats):
            subs.save(store, 10_000 + chat, {"started": True, "keywords": [f"woord{chat}"]})
        store.flush()
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "-c", str(config), "run"], cwd=ROOT,
                            env={"TELEGRAM_BOT_TOKEN": "42:BENCH", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "watcher.log", "w"))
    try:
        wait_for(lambda: any(m == "getUpdates" for m, _ in telegram.calls), 60)
        started = time.monotonic()
        for n in range(strangers):
            telegram.send_update(1_000_000 + n, "/start")
        telegram.send_update(SUBSCRIBER, "/list")
        answered = wait_for(lambda: telegram.texts(SUBSCRIBER), 3600, step=0.05)
        took = time.monotonic() - started
        replies = len(telegram.messages)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    floor = (strangers + 1) / 30
    print(f"{strangers:,} strangers' /start, then a subscriber's /list, over {chats:,} chats with rules")
    print(f"  /list answered after {took:.1f} s{'' if answered else ' (not answered)'}; floor "
          f"{floor:.1f} s (every reply before it at Telegram's 30 a second): ratio {took / floor:.2f}")
    print(f"  {replies / took:.1f} replies a second; 429s given: {telegram.too_many}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600, int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
