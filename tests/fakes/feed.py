"""A fake RSS feed with ETag/Last-Modified and the item pages it links to."""

from __future__ import annotations

from pathlib import Path

from .server import LoopbackServer, Request, Response

OB = Path(__file__).parent.parent / "fixtures" / "ob"


class FakeFeed:
    def __init__(self):
        self.items: list[dict] = []  # {"path", "title", "description", "date", "category"}
        self.pages: dict[str, tuple[int, bytes]] = {}
        self.version = 0
        self.server = LoopbackServer(self.handle)
        self.url = self.server.url + "/rss"

    def add(self, path: str, title: str, description: str, date: str, page: bytes | None = None,
            status: int = 200, link: str | None = None) -> str:
        """An item whose page is served at `path`; `link`: the item names another URL than its page."""
        self.items.append({"path": path, "title": title, "description": description, "date": date, "link": link})
        self.pages[path] = (status, page if page is not None else (OB / "real_repo_html_stb-2014-296.html").read_bytes())
        self.version += 1
        return self.server.url + path

    def _body(self) -> bytes:
        items = "".join(
            f"<item><link>{i['link'] or self.server.url + i['path']}</link><category>Kamerstuk</category>"
            f"<title>{i['title']}</title><description>{i['description']}</description>"
            f"<pubDate>{i['date']}</pubDate></item>" for i in self.items)
        return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
                f"<link>{self.server.url}/</link><description>d</description>{items}</channel></rss>").encode()

    def handle(self, request: Request) -> Response:
        if request.path == "/rss":
            etag = f'"v{self.version}"'
            if request.headers.get("If-None-Match") == etag:
                return Response(304, b"", {"ETag": etag})
            return Response(200, self._body(), {"Content-Type": "application/rss+xml", "ETag": etag})
        if request.path in self.pages:
            status, body = self.pages[request.path]
            return Response(status, body, {"Content-Type": "text/html; charset=utf-8"})
        return Response(404, b"")
