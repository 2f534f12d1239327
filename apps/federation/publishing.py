"""
How other apps federate their content: ``publish(obj)``, ``update(obj)``, ``delete(obj)``.

A publishable model implements ``Publishable``: which site actor speaks for it, a stable source key,
and its ActivityStreams object. Federation keeps a ``Note`` row for it (so it shows in timelines
and its likes and boosts are counted) and writes the outbound Create/Update/Delete in the caller's
transaction; delivery follows on commit.
"""

from typing import Protocol, runtime_checkable

from django.db import transaction
from django.utils import timezone

from . import actors
from .models import Note
from .notes import as_object
from .outbound.outbox import emit, new_id
from .vocabulary import PUBLIC


@runtime_checkable
class Publishable(Protocol):
    """What a model offers to be federated (blog posts and events implement it in their own apps)."""

    def federation_site(self) -> str:
        """The site whose actor speaks for this object (e.g. "blog")."""

    def federation_source(self) -> str:
        """A key unique to this object and stable across edits, e.g. "blog.post:12"."""

    def federation_object(self) -> dict:
        """
        The object's ActivityStreams fields: ``type`` (Note or Article), ``content`` (HTML),
        ``url``, and optionally ``name``, ``summary``, ``published``. Federation adds ``id``,
        ``attributedTo`` and the addressing.
        """


def _note_for(obj):
    if not isinstance(obj, Publishable):
        raise TypeError(f"{type(obj).__name__} does not implement federation's Publishable protocol")
    return Note.objects.filter(source=obj.federation_source()).first()


def _apply(note, fields):
    note.kind = fields.get("type") if fields.get("type") in Note.Kind.values else Note.Kind.NOTE
    note.url = fields.get("url") or note.object_id
    note.name = (fields.get("name") or "")[:500]
    note.summary = (fields.get("summary") or "")[:500]
    note.content = fields.get("content") or ""
    published = fields.get("published")
    if published is not None:
        note.published = published


def publish(obj):
    """Federate a new object: store its ``Note`` and send a Create to its site actor's followers."""
    note = _note_for(obj)
    if note is not None and note.deleted is None:
        return update(obj)
    speaker = actors.site_actor(obj.federation_site())
    with transaction.atomic():
        if note is None:
            object_id = new_id(speaker.id, "objects")
            note = Note(object_id=object_id, author_url=speaker.id, author_site=speaker.site, is_local=True)
            note.source = obj.federation_source()
        note.deleted = None
        _apply(note, obj.federation_object())
        note.save()
        _announce(note, "Create")
    return note


def update(obj):
    """Federate an edit of a published object (publishes it if it never was)."""
    note = _note_for(obj)
    if note is None or note.deleted is not None:
        return publish(obj)
    with transaction.atomic():
        _apply(note, obj.federation_object())
        note.updated = timezone.now()
        note.save()
        _announce(note, "Update")
    return note


def delete(obj):
    """Federate the removal of a published object: tombstone its ``Note`` and send a Delete."""
    note = _note_for(obj)
    if note is None or note.deleted is not None:
        return None
    with transaction.atomic():
        note.deleted = timezone.now()
        note.content = note.name = note.summary = ""
        note.save()
        emit(note.author_url, "Delete", {"id": note.object_id, "type": "Tombstone"}, to=[PUBLIC], to_followers=True)
    return note


def _announce(note, activity_type):
    """Send a Create or Update of ``note`` to its actor's followers, addressed as the object is."""
    obj = as_object(note)
    emit(note.author_url, activity_type, obj, to=obj["to"], cc=obj["cc"], to_followers=True)
