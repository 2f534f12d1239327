"""
Pages as visitors who are not signed in see them, kept in the shared cache: one ``PageCache`` per
site that wants it (the blog, the market, the events).

A visitor's page is the same for every visitor, and building one takes its queries and the
templates of a few dozen cards: measured on 2026-12-02, the blog home with 1,000 posts answered at
0.04 of ``/healthz`` built each time, the market's product list with 10,000 products at 0.01 and
the events' month grid at about 0.05 (``bench/``); kept, each is at 0.3 or better.

A kept page carries the site's *edition* it was built in, a number every change visitors could
see moves on once it commits (``changed``), and is served only in that edition, so a published,
edited or withdrawn item shows at once. So does a new menu: forgetting a fragment every visitor
sees moves an edition all sites share (``fragments.forget_fragment``). ``keep_for`` bounds what a
change made elsewhere (a tag renamed in the admin, a reply from the fediverse) may leave stale.
Members, a visitor with a message waiting, and one with anything of their own a fragment shows (a
basket: ``fragments.is_personal``) get the page built for them.
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

from .fragments import SHARED_EDITION_KEY, is_personal

__all__ = ["PageCache"]

KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Last-Modified", "ETag")


class PageCache:
    def __init__(self, name, *, keep_for=60):
        self.name = name
        self.keep_for = keep_for
        self.edition_key = f"{name}:edition"

    def new_edition(self):
        """Move to a new edition now: every page kept so far is left for the cache to expire."""
        if cache.add(self.edition_key, 2, None):
            return
        try:
            cache.incr(self.edition_key)
        except ValueError:  # evicted between the two calls
            cache.add(self.edition_key, 2, None)

    def changed(self):
        """
        Move to a new edition once the current transaction commits (at once outside one): no cache
        call inside the transaction, and no page built from rows that may yet roll back.
        """
        transaction.on_commit(self.new_edition)

    def _key(self, request):
        where = f"{request.get_host()}{request.get_full_path()}"
        return f"{self.name}:page:{hashlib.sha256(where.encode()).hexdigest()}"

    def for_visitors(self, view):
        """Serve a GET or HEAD of ``view`` to visitors from the kept page, keeping it if new."""

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or "messages" in request.COOKIES or is_personal(request):
                return view(request, *args, **kwargs)
            key = self._key(request)
            found = cache.get_many([self.edition_key, SHARED_EDITION_KEY, key])  # one round trip for all
            # The site's edition, and that of the fragments every page shows (the menu).
            edition = (found.get(self.edition_key, 1), found.get(SHARED_EDITION_KEY, 1))
            kept = found.get(key)
            if kept is not None and kept[0] == edition:
                _edition, status, headers, content = kept
                response = HttpResponse(content, status=status)
                for name, value in headers.items():
                    response[name] = value
                return response
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # a DRF or template response: kept as the bytes it will send
            if response.status_code == 200 and not response.streaming and not response.cookies:
                headers = {name: response[name] for name in KEPT_HEADERS if name in response}
                cache.set(key, (edition, response.status_code, headers, response.content), self.keep_for)
            return response

        return wrapped
