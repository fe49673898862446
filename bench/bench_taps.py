"""A tap on a button while a big delivery runs: how long until the bot answers it (answerCallbackQuery
reaches the fake Bot API), with 5,000 alerts queued for 1,000 chats, against the same taps with nothing
queued, in the same run. A long-running `watcher run` with the real Telegram client and limits.

    python bench/bench_taps.py [TAPS] [ALERTS]          (default 10 taps, 5,000 alerts)
"""

import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, wait_for

from tests.fakes.telegram import FakeTelegram
from tests.fakes.tk import FakeTK
from watcher.alerts import buttons
from watcher.model import Alert
from watcher.store import open_store

CHATS = 1000


def trial(queued: int, taps: int) -> tuple[list[float], float, int]:
    tmp = Path(tempfile.mkdtemp())
    tk, telegram = FakeTK(), FakeTelegram()
    telegram.enforce = True  # Telegram's own limits: 30 a second, 1 a second per chat
    tk.server.start()
    telegram.server.start()
    subscribers = "\n".join(f"  - {{name: c{i}, telegram: {i + 1}, keywords: [x]}}" for i in range(CHATS))
    config = tmp / "sources.yaml"
    config.write_text(f"""state_dir: {tmp / 'state'}
poll_interval: 30s
telegram: {{api_url: "{telegram.url}", allow: open}}
sources:
  - {{name: tk, kind: tweedekamer, url: "{tk.url}", events: [documents]}}
subscribers:
{subscribers}
""")
    with open_store(tmp / "state") as store:
        for n in range(queued):
            chat = n % CHATS
            store.enqueue(Alert(id=f"c{chat}|2026D{n:05d}|new", subscriber=f"c{chat}", document=f"2026D{n:05d}",
                                kind="new", title=f"Stuk {n}", soort="Motie", reasons=["keyword x"]))
        secret = buttons.secret(store)
        store.flush()
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "-c", str(config), "run"], cwd=ROOT,
                            env={"TELEGRAM_BOT_TOKEN": "42:BENCH", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "watcher.log", "w"))
    waits = []
    try:
        wait_for(lambda: any(m == "getUpdates" for m, _ in telegram.calls) or telegram.messages, 60)
        if queued:
            wait_for(lambda: len(telegram.messages) >= 30, 60)  # the delivery is under way
        time.sleep(1.0)
        for n in range(taps):
            chat = (n * 37) % CHATS + 1
            data = buttons.data(secret, chat, buttons.FIRST_EPOCH, buttons.Button("", buttons.FOLLOW, f"3{n:04d}"))
            query = telegram.send_callback(chat, data, message_id=1)
            started = time.monotonic()
            if wait_for(lambda: any(f.get("callback_query_id") == query for m, f in telegram.calls
                                    if m == "answerCallbackQuery"), 30):
                waits.append(time.monotonic() - started)
            time.sleep(0.5)
        sent = len(telegram.messages)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print((tmp / "watcher.log").read_text()[-3000:])
            raise
        tk.server.stop()
        telegram.server.stop()
    return waits, sent, telegram.too_many


def main(taps: int = 10, alerts: int = 5000) -> None:
    print(f"{taps} taps on a button, each answered when answerCallbackQuery reaches the fake Bot API")
    base = None
    for queued in (0, alerts):
        waits, sent, too_many = trial(queued, taps)
        median = statistics.median(waits) if waits else float("nan")
        base = base or median
        print(f"  {queued:5d} alerts queued: answered {len(waits)}/{taps}, median {median * 1000:5.0f} ms, "
              f"worst {max(waits, default=float('nan')) * 1000:5.0f} ms ({median / base:.2f}x idle); "
              f"{sent} messages sent meanwhile, {too_many} answered 429 (goal: 0)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
