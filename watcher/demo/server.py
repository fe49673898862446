"""A real HTTP server on 127.0.0.1 around a plain `handle(request) -> Response` function (the demo's
upstreams and the tests' fakes run on it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict  # name -> last value
    headers: dict
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived
    peer: int = 0  # the client's port: which process asked, to a test that looks it up while it waits
    raw_query: str = ""  # the query string as it came, before decoding (how a client encoded it)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    # A body made as it is sent, one chunk at a time (a huge file, a server that drips): sent chunked, or
    # raw after whatever Content-Length `headers` claims. Each chunk may sleep before it is made.
    stream: Iterable[bytes] | None = None


class LoopbackServer:
    def __init__(self, handle):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                request = Request(self.command, parts.path, query, dict(self.headers), body,
                                  peer=self.client_address[1], raw_query=parts.query)
                if outer.observe is not None:
                    outer.observe(request)
                outer.requests.append(request)
                try:
                    response = handle(request)
                except Exception as e:  # a bug in a fake must show in the test, not hang it
                    response = Response(599, repr(e).encode())
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                if response.stream is None:
                    self.send_header("Content-Length", str(len(response.body)))
                    try:
                        self.end_headers()
                        self.wfile.write(response.body)
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True  # the client went away (a watcher stopped mid long poll)
                    return
                self._stream(response)

            def _stream(self, response):
                chunked = "Content-Length" not in response.headers
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for chunk in response.stream:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                        self.wfile.flush()
                        with outer._count_lock:
                            outer.bytes_sent += len(chunk)
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what a capped download does
                self.close_connection = True

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.requests: list[Request] = []
        self.observe = None  # called with each request before it is answered, while its client waits
        self.bytes_sent = 0  # of streamed bodies, as far as the socket took them
        self._count_lock = threading.Lock()
        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # many clients connect at once; the default backlog of 5 drops them

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
