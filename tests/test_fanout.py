"""Fan-out: one document to thousands of subscribers must not hold up the next poll, nor another
document's alerts, nor render its diff once per subscriber."""

import signal
import time

from tests.fakes.tk import page_rows
from tests.test_telegram import deliver_once, make_alert
from watcher.alerts import diffpage
from watcher.deliver import deliver as delivery
from watcher.config import parse
from watcher.model import Alert
from watcher.store import open_store


def _config(tmp_path, telegram, chats: int):
    lines = [f"state_dir: {tmp_path / 'state'}", "telegram:", f"  api_url: {telegram.url}", "subscribers:"]
    lines += [f"  - {{name: s{i}, telegram: {1000 + i}, keywords: [x]}}" for i in range(chats)]
    return parse("\n".join(lines) + "\n", tmp_path / "sources.yaml", need_sources=False)


def _alert(subscriber: str, document: str, created: str) -> Alert:
    return Alert(id=f"{subscriber}|{document}|new", subscriber=subscriber, document=document, kind="new",
                 title=document, reasons=["keyword x"], created=created)


def test_a_second_documents_chats_are_served_with_the_first_of_anothers_fan_out():
    pending = [_alert(f"s{i:04d}", "2026DAAAAA", "2026-12-01T10:00:00") for i in range(10_000)]
    pending += [_alert("s9999", "2026DBBBBB", "2026-12-01T10:05:00"),  # also had A: after A, in its chat
                _alert("new-chat", "2026DCCCCC", "2026-12-01T10:06:00")]  # only C
    order = delivery.fair_order(pending)
    names = [name for (name, _), _ in order]
    assert names[:3] == ["s0000", "s9999", "new-chat"]  # each the first of a document's fan-out
    assert [a.document for a in dict(order)[("s9999", "")]] == ["2026DAAAAA", "2026DBBBBB"]  # a chat's own order kept
    assert sorted(names) == sorted({a.subscriber for a in pending})  # nobody left out


def test_a_revisions_diff_page_is_made_once_for_all_its_subscribers(tmp_path, telegram, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = _config(tmp_path, telegram, 20)
    store = open_store(config.state_dir)
    from watcher.model import Document, Block
    old = store.put_text(Document(blocks=[Block("Het oude antwoord op vraag 1.")]))
    new = store.put_text(Document(blocks=[Block("Het nieuwe antwoord op vraag 1.")]))
    for i in range(20):
        store.enqueue(make_alert(i, id=f"s{i}|2026D1|r2", subscriber=f"s{i}", document="2026D1", kind="revised",
                                 old_hash=old, new_hash=new, version="2", old_version="1"))
    made = []
    real = diffpage.render_page
    monkeypatch.setattr(diffpage, "render_page", lambda *a, **k: made.append(1) or real(*a, **k))
    assert deliver_once(config, store, telegram) == (20, 0)
    assert len(made) == 1 and len([m for m in telegram.messages if m["method"] == "sendDocument"]) == 20
    store.close()


def test_a_long_running_watcher_polls_on_while_a_fan_out_is_delivered(tk, telegram, write_config, spawn):
    # One chat at 1 message a second (Telegram's limit, enforced by the fake) with 30 alerts: half a minute of
    # sending. The polls go on beside it, every second.
    config = write_config([{"name": "tk", "kind": "tweedekamer", "url": tk.url, "events": ["documents"]}],
                          [{"name": "desk", "telegram": 77, "keywords": ["de", "het", "van"]}],
                          telegram={"api_url": telegram.url, "limits": {"chat_interval": "1s", "per_second": 30}},
                          poll_interval="1s")
    telegram.enforce = True
    proc = spawn("-c", config, "run", env={"TELEGRAM_BOT_TOKEN": "42:BOT"})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not tk.requests.get("Document"):
            time.sleep(0.05)
        for row in page_rows()[:30]:
            tk.add(row)
        while time.monotonic() < deadline and not telegram.messages:
            time.sleep(0.05)
        polls = tk.requests["Document"]
        while time.monotonic() < deadline + 30 and tk.requests["Document"] - polls < 3:
            time.sleep(0.05)
        sent = len(telegram.messages)
        assert tk.requests["Document"] - polls >= 3, "the polls waited for the delivery"
        assert sent < 30, "the delivery was not under way (the test proves nothing)"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert telegram.too_many == 0


def test_a_delivery_pass_ends_with_its_budget_and_the_next_serves_what_was_queued_meanwhile(tmp_path, telegram,
                                                                                        monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    config = _config(tmp_path, telegram, 301)
    store = open_store(config.state_dir)
    for i in range(300):
        store.enqueue(_alert(f"s{i}", "2026DAAAAA", f"2026-12-01T10:{i // 60:02d}:{i % 60:02d}"))
    # Ten a second: a one-second pass sends ten, and the chats already waiting for their turn (up to 64
    # side by side) go too; the rest waits for the next pass.
    from watcher.deliver.ratelimit import RateLimiter
    sent, pending = deliver_once(config, store, telegram, limiter=RateLimiter(10, 0.0), budget=1.0)
    assert 0 < sent <= 10 + 64 + 5 and pending == 300 - sent
    store.enqueue(_alert("s300", "2026DBBBBB", "2026-12-01T11:00:00"))  # a second document, queued meanwhile
    before = len(telegram.messages)
    deliver_once(config, store, telegram, limiter=RateLimiter(10, 0.0), budget=1.0)
    served = [m["text"] for m in telegram.messages[before:]]
    assert any("2026DBBBBB" in t for t in served[:70]), served  # in the next pass's first turn
    store.close()
