"""The verbs of `watcher`, one module each: what a command does, once cli.py has parsed its arguments."""
