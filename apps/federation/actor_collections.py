"""
An actor's public collections, outbox, followers and following, as paged ``OrderedCollection`` documents.

A member who chose not to show whom they follow and who follows them (``show_follows``) keeps the
counts public, as Mastodon does, and every page of those two collections is empty.
"""

from .models import Follow, Note
from .notes import as_object
from .vocabulary import AS_CONTEXT

COLLECTION_PAGE = 20


def _outbox_items(actor):
    notes = Note.objects.filter(
        author_url=actor.id, is_local=True, deleted__isnull=True, visibility=Note.Visibility.PUBLIC
    ).order_by("-id")
    return notes, lambda note: _create(actor, as_object(note))


def _create(actor, obj):
    return {
        "id": obj["id"] + "/activity",
        "type": "Create",
        "actor": actor.id,
        "published": obj["published"],
        "to": obj["to"],
        "cc": obj["cc"],
        "object": obj,
    }


def _followers_items(actor):
    rows = Follow.objects.filter(followee_url=actor.id, state=Follow.State.ACCEPTED).order_by("-id")
    return rows.values_list("follower_url", flat=True), str


def _following_items(actor):
    rows = Follow.objects.filter(follower_url=actor.id, state=Follow.State.ACCEPTED).order_by("-id")
    return rows.values_list("followee_url", flat=True), str


HIDEABLE = ("followers", "following")
SOURCES = {"outbox": _outbox_items, "followers": _followers_items, "following": _following_items}


def _page_number(page):
    try:
        number = int(page)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


def collection(actor, name, page=None):
    """
    Return the collection ``name`` of ``actor``: without ``page`` the ``OrderedCollection`` (its
    size and first page's URL), with ``page=N`` that ``OrderedCollectionPage``; None for a bad page.
    """
    items, render = SOURCES[name](actor)
    url = f"{actor.id}/{name}"
    if page is None:
        return {
            "@context": AS_CONTEXT,
            "id": url,
            "type": "OrderedCollection",
            "totalItems": items.count(),
            "first": f"{url}?page=1",
        }
    number = _page_number(page)
    if number is None:
        return None
    if name in HIDEABLE and not actor.shows_follows:
        items = items.none()
    start = (number - 1) * COLLECTION_PAGE
    chunk = list(items[start : start + COLLECTION_PAGE + 1])
    document = {
        "@context": AS_CONTEXT,
        "id": f"{url}?page={number}",
        "type": "OrderedCollectionPage",
        "partOf": url,
        "orderedItems": [render(item) for item in chunk[:COLLECTION_PAGE]],
    }
    if len(chunk) > COLLECTION_PAGE:
        document["next"] = f"{url}?page={number + 1}"
    if number > 1:
        document["prev"] = f"{url}?page={number - 1}"
    return document
