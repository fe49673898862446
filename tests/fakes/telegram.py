"""The loopback Bot API lives in the package (watcher demo receives its story on it too)."""

from watcher.demo.telegram import FakeTelegram  # noqa: F401
