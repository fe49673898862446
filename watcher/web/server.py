"""`watcher serve`: the feeds, calendars and diff pages over HTTP, with the standard library's server.

Small on purpose: it binds to localhost by default and is meant to sit behind the operator's reverse proxy
(TLS, compression, access logs). Each request opens the store read-only, so it runs beside the watcher and
shows what it wrote a moment ago.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..settings import Config
from ..store import open_store
from .pages import Page, serve

log = logging.getLogger("watcher.web")


def server(config: Config, host: str, port: int) -> ThreadingHTTPServer:
    """A server bound to host:port (port 0: any free one, `server_address` says which), not yet serving."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "watcher"
        sys_version = ""

        def do_GET(self):
            self._answer(body=True)

        def do_HEAD(self):
            self._answer(body=False)

        def _answer(self, body: bool) -> None:
            try:
                with open_store(config.state_dir, readonly=True, kind=config.store, dsn=config.dsn,
                                timeout=config.database_timeout) as store:
                    page = serve(config, store, self.path)
            except Exception as e:  # the store in trouble: the reader is told to come back, the log says why
                log.error("%s: %s", self.path.split("/")[1][:4] + "…", e)
                page = Page(503, "text/plain; charset=utf-8", b"Tijdelijk niet beschikbaar.\n")
            self.send_response(page.status)
            self.send_header("Content-Type", page.type)
            self.send_header("Content-Length", str(len(page.body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if body:
                self.wfile.write(page.body)

        def log_message(self, format, *args):  # the paths hold tokens: never logged whole
            log.debug("%s %s", self.command, self.path.split("/")[1][:4] + "…" if "/" in self.path else "")

    return ThreadingHTTPServer((host, port), Handler)


def serve_forever(httpd: ThreadingHTTPServer, stop: threading.Event) -> None:
    """Serve until `stop` is set (SIGTERM, Ctrl-C)."""
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    stop.wait()
    httpd.shutdown()
    httpd.server_close()
