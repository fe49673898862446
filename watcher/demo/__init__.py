"""`watcher demo`: the real pipeline, offline, against loopback upstreams of its own (see story.py)."""
