"""
A producer's shop on loopback (pytest-httpserver): pages from ``pages/``, photos, robots.txt.

Routes can change during a test (a price goes up, a page disappears), and each answer can carry
headers such as ``ETag``; a request carrying the matching ``If-None-Match`` gets 304, as a real
shop's server would answer a conditional GET.
"""

import re
import time
from io import BytesIO
from pathlib import Path

from PIL import Image
from werkzeug import Response

PAGES = Path(__file__).parent / "pages"
ROBOTS = "User-agent: *\nDisallow: /private/\n\nUser-agent: GreedyBot\nDisallow: /\n"


def png_bytes(width=64, height=48, colour="#d9a441"):
    out = BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


class Shop:
    def __init__(self, httpserver):
        self.server = httpserver
        self.times = []  # when each request came (time.monotonic)
        self.routes = {"/robots.txt": (200, ROBOTS.encode(), {"Content-Type": "text/plain"})}
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self._answer)

    def url(self, path):
        return self.server.url_for(path)

    def serve(self, path, body, *, status=200, content_type="text/html; charset=utf-8", **headers):
        """Answer ``path`` (query ignored) with ``body``; ``headers`` given with underscores for dashes."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (status, data, {"Content-Type": content_type, **_headers(headers)})
        return self.url(path)

    def page(self, path, name, *, replace=(), **headers):
        """Serve the page ``pages/<name>`` at ``path``, each ``(old, new)`` of ``replace`` applied."""
        text = (PAGES / name).read_text()
        for old, new in replace:
            assert old in text, f"{old!r} is not in {name}"
            text = text.replace(old, new)
        return self.serve(path, text, **headers)

    def photo(self, path, **kwargs):
        return self.serve(path, png_bytes(**kwargs), content_type="image/png")

    def requested(self):
        """The paths asked for, in order."""
        return [entry[0].path for entry in self.server.log]

    def _answer(self, request):
        self.times.append(time.monotonic())
        route = self.routes.get(request.path)
        if route is None:
            return Response("Not found", status=404)
        status, data, headers = route
        etag = headers.get("ETag")
        if etag and request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(data, status=status, headers=headers)


def _headers(given):
    return {name.replace("_", "-"): value for name, value in given.items()}
