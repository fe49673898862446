"""The Telegram bot: one small function per command (commands.py) and per button (taps.py), each in one table."""
