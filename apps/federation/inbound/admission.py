"""
Which peers' notes we take in, and how many.

Any server may send us any public Create; kept as it came, a stranger's post would fill our tables
and notify our members. As Mastodon does, a Create is kept only when it concerns someone here:
one of our actors follows its author (an accepted follow), or it replies to a note we keep, or it
mentions or addresses one of our actors. Then, per minute, at most ``ACTOR_CREATES_PER_MINUTE``
notes of one author and ``HOST_CREATES_PER_MINUTE`` of one host are kept, counted in the shared
cache so the limits hold across workers: a thread of thirty posts passes, a flood does not.
"""

import hashlib
from urllib.parse import urlsplit

from apps.core import counting

from .. import actors
from ..models import Follow
from ..vocabulary import as_list

ACTOR_CREATES_PER_MINUTE = 30
HOST_CREATES_PER_MINUTE = 300
WINDOW = 60  # seconds


def followed_here(actor_url):
    """Whether one of our actors follows ``actor_url`` (an accepted follow)."""
    return Follow.objects.filter(followee_url=actor_url, state=Follow.State.ACCEPTED).exists()


def _names_one_of_ours(obj, addressees):
    tags = [tag for tag in as_list(obj.get("tag")) if isinstance(tag, dict) and tag.get("type") == "Mention"]
    return any(actors.active_from_url(url) is not None for url in [tag.get("href") for tag in tags] + addressees)


def why_not_kept(obj, author_url, addressees, parent):
    """
    Return why the note ``obj`` by ``author_url``, addressed to ``addressees`` and replying to
    ``parent`` (a note we keep, or None), concerns nobody here; None when it does.
    """
    if parent is not None or followed_here(author_url) or _names_one_of_ours(obj, addressees):
        return None
    return "nobody here follows, is replied to or mentioned"


def _key(kind, value):
    return f"federation:creates:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"


def over_limit(author_url):
    """
    Count a note of ``author_url`` about to be kept; return why it is not to be, when its author
    or its host has had its fill this minute, else None.
    """
    if counting.hit(_key("actor", author_url), WINDOW) > ACTOR_CREATES_PER_MINUTE:
        return f"{author_url} sent more than {ACTOR_CREATES_PER_MINUTE} notes this minute"
    host = (urlsplit(author_url).hostname or "").lower()
    if counting.hit(_key("host", host), WINDOW) > HOST_CREATES_PER_MINUTE:
        return f"{host} sent more than {HOST_CREATES_PER_MINUTE} notes this minute"
    return None
