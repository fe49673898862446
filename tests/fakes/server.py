"""The loopback HTTP server the fakes run on lives in the package (watcher demo uses it too)."""

from watcher.demo.server import LoopbackServer, Request, Response  # noqa: F401
