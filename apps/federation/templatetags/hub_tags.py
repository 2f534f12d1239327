"""Template filters of the social hub."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def actor_label(actor_url):
    """
    Return ``name@host`` read from an actor URL (``https://host/users/name`` → ``name@host``).

    Lists show actors we hold no row for (our site actors, a booster we never fetched) by this
    label instead of querying for each one.
    """
    parts = urlsplit(actor_url or "")
    name = parts.path.rstrip("/").rpartition("/")[2]
    return f"{name}@{parts.hostname}" if name and parts.hostname else actor_url
