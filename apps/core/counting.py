"""
Counting within a window of time, in the shared cache (what peers do, failed sign-ins, mails sent
to one member): every process counts into the same key, so a limit holds for the whole instance,
not per worker.

A window opens with its first hit and lasts ``window`` seconds (the key's expiry); it is not
sliding, so a peer may reach twice a limit across the edge of two windows, which is close enough
for a breaker, a lockout or a rate limit and costs one ``add`` and one ``incr``.
"""

from django.core.cache import cache


def hit(key, window):
    """Add one to the count under ``key`` for a window of ``window`` seconds; return the new count."""
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this hit opens the next window
        cache.set(key, 1, window)
        return 1
