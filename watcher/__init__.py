"""watcher: new and revised documents from the Tweede Kamer and officielebekendmakingen, to Telegram."""

__version__ = "0.1.0"
