"""
The events site's pages as visitors who are not signed in see them, kept in the shared cache.

A visitor's list, month grid, week or event page is the same for every visitor, and building one
with a busy month costs a query and the template of every date shown (``bench/events.py``). A
kept page carries the events' *edition* it was built in, a number that every change a visitor could
see moves on once it commits (an event published, changed or cancelled through ``federating``, a
place taken or given back through ``places``, a save in the admin), and is served only in that
edition, so a change shows at once. ``KEEP_FOR`` bounds what a change made elsewhere may leave
stale. Members, and a visitor with a message waiting, get the page built for them.
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

__all__ = ["changed", "for_visitors", "new_edition"]

KEEP_FOR = 60  # seconds
EDITION_KEY = "events:edition"
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Last-Modified", "ETag")


def new_edition():
    """Move the events to a new edition now: every page kept so far is left for the cache to expire."""
    if cache.add(EDITION_KEY, 2, None):
        return
    try:
        cache.incr(EDITION_KEY)
    except ValueError:  # evicted between the two calls
        cache.add(EDITION_KEY, 2, None)


def changed():
    """
    Move the events to a new edition once the current transaction commits (at once outside one):
    no cache call inside the transaction, and no page built from rows that may yet roll back.
    """
    transaction.on_commit(new_edition)


def _key(request):
    where = f"{request.get_host()}{request.get_full_path()}"
    return f"events:page:{hashlib.sha256(where.encode()).hexdigest()}"


def for_visitors(view):
    """Serve a GET or HEAD of ``view`` to visitors who are not signed in from the kept page, keeping it if new."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated or "messages" in request.COOKIES:
            return view(request, *args, **kwargs)
        key = _key(request)
        found = cache.get_many([EDITION_KEY, key])  # one round trip for both
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
