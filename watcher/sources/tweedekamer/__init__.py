"""kind: tweedekamer — the Tweede Kamer's open data, from its SyncFeed 2.0 (the Kamer closed OData v4 on
2026-10-01): feed.py reads it, entities.py parses it, mirror.py keeps it, sync.py brings it up to date,
assemble.py puts documents, votes and debates together, source.py tells them; kind.py is what config and `watcher status` know of it without importing the rest."""
