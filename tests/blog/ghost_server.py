"""
A Ghost site for the tests: the Content API on a real local HTTP server (pytest-httpserver), over
posts and pages the test sets, answering in Ghost's shapes (``?key=``, ``filter=updated_at:>=``,
``order=updated_at asc``, ``fields``, ``limit``/``page`` with ``meta.pagination``, ``{id}/``).
"""

import datetime
import json
import re

from werkzeug import Response

from roseash.celery import app

KEY = "22444f78447824223cefc48062"
WEBHOOK_SECRET = "a-webhook-secret"
ROUTE = re.compile(r"^/ghost/api/content/(posts|pages)/(?:([0-9a-f]{24})/)?$")
FILTER = re.compile(r"updated_at:>='(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)'")


def ghost_id(number):
    return f"{number:024x}"


def ghost_post(number, *, updated="2026-11-01T10:00:00.000Z", published="2026-10-01T09:00:00.000Z", **fields):
    """Return post ``number`` as the Content API gives it with ``include=authors,tags``."""
    return {
        "id": ghost_id(number),
        "uuid": f"00000000-0000-4000-8000-{number:012x}",
        "title": f"Post {number}",
        "slug": f"post-{number}",
        "html": f"<p>Body of post {number}.</p>",
        "feature_image": None,
        "feature_image_alt": None,
        "feature_image_caption": None,
        "featured": False,
        "visibility": "public",
        "created_at": published,
        "updated_at": updated,
        "published_at": published,
        "custom_excerpt": None,
        "excerpt": f"Body of post {number}.",
        "canonical_url": None,
        "url": f"https://ghost.example.org/post-{number}/",
        "meta_title": None,
        "meta_description": None,
        "tags": [],
        "authors": [{"id": ghost_id(900), "name": "Ann", "slug": "ann"}],
        **fields,
    }


def _parse_date(value):
    return datetime.datetime.fromisoformat(value).astimezone(datetime.UTC).replace(microsecond=0, tzinfo=None)


class FakeGhost:
    """The Content API over ``posts`` and ``pages`` (id -> item); ``requests`` records what was asked."""

    def __init__(self, httpserver):
        self.httpserver = httpserver
        self.posts = {}
        self.pages = {}
        self.requests = []
        self.answer = None  # a werkzeug Response given instead of Ghost's, for garbled answers
        self.broken_pages = {}  # listing page number -> the werkzeug Response given for it
        httpserver.expect_request(ROUTE, method="GET").respond_with_handler(self.handle)

    @property
    def url(self):
        return self.httpserver.url_for("/").rstrip("/")

    def add(self, *items, pages=False):
        for item in items:
            (self.pages if pages else self.posts)[item["id"]] = item

    def handle(self, request):
        self.requests.append(request)
        if self.answer is not None:
            return self.answer
        if not ROUTE.match(request.path).group(2) and int(request.args.get("page", 1)) in self.broken_pages:
            return self.broken_pages[int(request.args["page"])]
        if request.args.get("key") != KEY:
            return self._json({"errors": [{"message": "Unknown Content API Key", "type": "UnauthorizedError"}]}, 401)
        resource, single = ROUTE.match(request.path).groups()
        store = getattr(self, resource)
        if single:
            if single not in store:
                return self._json({"errors": [{"message": "Resource not found", "type": "NotFoundError"}]}, 404)
            return self._json({resource: [store[single]]})
        items = sorted(store.values(), key=lambda item: (item["updated_at"], item["id"]))
        if "filter" in request.args:
            since = FILTER.fullmatch(request.args["filter"]).group(1)
            since = datetime.datetime.strptime(since, "%Y-%m-%d %H:%M:%S")
            items = [item for item in items if _parse_date(item["updated_at"]) >= since]
        if "fields" in request.args:
            wanted = request.args["fields"].split(",")
            items = [{name: item[name] for name in wanted} for item in items]
        limit, page = int(request.args.get("limit", 15)), int(request.args.get("page", 1))
        pages = max(1, -(-len(items) // limit))
        pagination = {
            "page": page,
            "limit": limit,
            "pages": pages,
            "total": len(items),
            "next": page + 1 if page < pages else None,
            "prev": page - 1 if page > 1 else None,
        }
        return self._json({resource: items[(page - 1) * limit : page * limit], "meta": {"pagination": pagination}})

    @staticmethod
    def _json(data, status=200):
        return Response(json.dumps(data), status=status, content_type="application/json")

    def listings(self, resource="posts"):
        """The listing requests made for ``resource`` (not the single-post ones), as their arguments."""
        return [dict(request.args) for request in self.requests if request.path.endswith(f"/{resource}/")]


def serve_ghost(httpserver, settings, monkeypatch):
    """
    Return a Ghost site the settings point at, reachable by the outbound client (loopback allowed);
    queued tasks run in this process even when a real broker is configured (as in CI).
    """
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    site = FakeGhost(httpserver)
    settings.GHOST_URL = site.url
    settings.GHOST_CONTENT_KEY = KEY
    settings.GHOST_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True
    return site
