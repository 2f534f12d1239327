"""Template filters of the social hub."""

from urllib.parse import urlsplit

from django import template

from .. import vocabulary

register = template.Library()


@register.filter
def actor_label(actor_url):
    """
    Return ``name@host`` read from an actor URL (``https://host/users/name`` → ``name@host``).

    Lists show actors we hold no row for (our site actors, a booster we never fetched) by this
    label instead of querying for each one.
    """
    try:
        parts = urlsplit(actor_url or "")
        host = parts.hostname
    except ValueError:  # a malformed IPv6 host: a label, not a 500
        return actor_url
    name = parts.path.rstrip("/").rpartition("/")[2]
    return f"{name}@{host}" if name and host else actor_url


@register.filter
def http_url(url):
    """
    Return ``url`` when it is an http(s) URL, else nothing: every ``href`` and ``src`` made of a
    stored URL goes through it, so a ``javascript:`` link kept before the inbox checked URLs
    (or by any path that forgets to) is never followed.
    """
    return vocabulary.http_url(url) or ""
