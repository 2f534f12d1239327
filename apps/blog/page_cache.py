"""
The blog's pages as visitors who are not signed in see them, kept in the shared cache.

A visitor's page is the same for every visitor, and building one takes its queries and the
templates of a dozen cards: the home with 1,000 posts answered at 0.04 of ``/healthz`` and a
post page at 0.08 (``bench/blog.py``, 2026-12-02). A kept page carries the blog's *edition* it was
built in, a number every change visitors could see moves on (``new_edition``, on commit), and is
served only in that edition, so a published, edited or withdrawn post shows at once; ``KEEP_FOR``
bounds what a change made elsewhere (a tag renamed in the admin) may leave stale. Members, and a
visitor with a message waiting or anything of their own a fragment shows (a basket: ``is_personal``),
get the page built for them.
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse

from apps.core.fragments import is_personal

__all__ = ["for_visitors", "new_edition"]

KEEP_FOR = 60  # seconds
EDITION_KEY = "blog:edition"
KEPT_HEADERS = ("Content-Type", "Content-Language", "Last-Modified", "ETag")


def new_edition():
    """Move the blog to a new edition: every page kept so far is left for the cache to expire."""
    if cache.add(EDITION_KEY, 2, None):
        return
    try:
        cache.incr(EDITION_KEY)
    except ValueError:  # evicted between the two calls
        cache.add(EDITION_KEY, 2, None)


def _key(request):
    where = f"{request.get_host()}{request.get_full_path()}"
    return f"blog:page:{hashlib.sha256(where.encode()).hexdigest()}"


def for_visitors(view):
    """Serve a GET or HEAD of ``view`` to visitors who are not signed in from the kept page, keeping it if new."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or "messages" in request.COOKIES or is_personal(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        # One round trip for both: the page keeps the edition it was built in.
        found = cache.get_many([EDITION_KEY, key])
        edition = found.get(EDITION_KEY, 1)
        kept = found.get(key)
        if kept is not None and kept[0] == edition:
            _edition, status, headers, content = kept
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = {name: response[name] for name in KEPT_HEADERS if name in response}
            cache.set(key, (edition, response.status_code, headers, response.content), KEEP_FOR)
        return response

    return wrapped
