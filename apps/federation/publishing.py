"""
How other apps federate their content: ``publish(obj)``, ``update(obj)``, ``delete(obj)``.

A publishable model implements ``Publishable``: which site actor speaks for it, a stable source key,
and its ActivityStreams object. Federation keeps a ``Note`` row for it (so it shows in timelines
and its likes and boosts are counted) and writes the outbound Create/Update/Delete in the caller's
transaction; delivery follows on commit.

What an app gives is cleaned as a peer's post is (``apps.core.sanitize``): the timelines show it
beside peers' posts, and the object goes out to servers that trust us to have cleaned it. One row
per source, however many publishes of it run at once (``_claim``).
"""

import datetime
import re
from typing import Protocol, runtime_checkable

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.sanitize import clean_federated_html, plain_text

from . import actors, notes
from .models import Note
from .notes import as_object
from .outbound.outbox import emit, new_id
from .vocabulary import PUBLIC, http_url

SOURCE_MAX = Note._meta.get_field("source").max_length

HASHTAG = re.compile(r"#\w+")  # as Mastodon links them: a word after the sign
MAX_HASHTAG = 100
MEDIA_TYPE = re.compile(r"image/[a-z0-9.+-]{1,50}")
MAX_ATTACHMENTS = 4
FEDERATED_FIELDS = ("kind", "url", "name", "summary", "content", "hashtags", "attachments", "details", "published")
# An Event's own fields, as Mobilizon writes and reads them.
EVENT_STATUSES = frozenset({"CONFIRMED", "TENTATIVE", "CANCELLED"})
JOIN_MODES = frozenset({"free", "restricted", "invite", "external"})
EVENT_COUNTS = ("participantCount", "maximumAttendeeCapacity", "remainingAttendeeCapacity")
EVENT_FLAGS = ("anonymousParticipationEnabled", "commentsEnabled", "isOnline")
ADDRESS_FIELDS = ("streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry")


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
        ``url``, and optionally ``name``, ``summary``, ``published``, ``tag`` (``Hashtag``s) and
        ``attachment`` (``Image``s with ``url``, ``mediaType`` and ``name``). Federation adds ``id``,
        ``attributedTo`` and the addressing. An ``Event`` adds ``startTime``, ``endTime``
        (ISO 8601 with offset), ``timezone``, ``location`` (a ``Place`` with a ``PostalAddress``),
        ``ical:status``, ``joinMode`` and the participant counts, as Mobilizon reads them.
        """


def _source(obj):
    """Return ``obj``'s source key; an empty one would name every note no app published."""
    if not isinstance(obj, Publishable):
        raise TypeError(f"{type(obj).__name__} does not implement federation's Publishable protocol")
    source = obj.federation_source()
    if not isinstance(source, str) or not 0 < len(source) <= SOURCE_MAX:
        raise ValueError(f"{type(obj).__name__}.federation_source() must return a key of 1 to {SOURCE_MAX} characters")
    return source


def _claim(obj):
    """
    Return ``(note, published)``: the ``Note`` of ``obj``, locked until the caller's transaction
    ends (a new row when there was none), and whether it is published now (neither new nor deleted).

    Two publishes of one object can run at once (a save and a retried task). Both may find no
    row; both insert, and the unique ``source`` lets one in. The other's insert waits for it,
    then fails in its savepoint, and that publish goes on as an update of the row the first wrote.
    """
    source = _source(obj)
    note = Note.objects.select_for_update().filter(source=source).first()
    if note is not None:
        return note, note.deleted is None
    speaker = actors.site_actor(obj.federation_site())
    try:
        with transaction.atomic():
            new = Note.objects.create(
                object_id=new_id(speaker.id, "objects"),
                author_url=speaker.id,
                author_site=speaker.site,
                is_local=True,
                source=source,
            )
        return new, False
    except IntegrityError:
        note = Note.objects.select_for_update().get(source=source)
        return note, note.deleted is None


def _apply(note, fields):
    """Copy an app's object onto its note, cleaned: HTML as a peer's, name and summary as text, http(s) URL."""
    note.kind = fields.get("type") if fields.get("type") in Note.Kind.values else Note.Kind.NOTE
    note.url = http_url(fields.get("url"), max_length=500) or note.object_id
    note.name = plain_text(fields.get("name"), 500)
    note.summary = plain_text(fields.get("summary"), 500)
    note.content = clean_federated_html(fields.get("content") or "")
    note.hashtags = _hashtags(fields.get("tag"))
    note.attachments = _attachments(fields.get("attachment"))
    note.details = _event_details(fields) if note.kind == Note.Kind.EVENT else {}
    published = fields.get("published")
    if published is not None:
        note.published = published


def _event_details(fields):
    """
    Return an Event's own fields, cleaned: times that parse as ISO 8601 with an offset, text as
    text, the known words of ``ical:status`` and ``joinMode``, counts as whole numbers, a ``Place``
    whose address is a ``PostalAddress`` of text fields. Anything else is left out.
    """
    details = {}
    for name in ("startTime", "endTime"):
        value = fields.get(name)
        try:
            if isinstance(value, str) and datetime.datetime.fromisoformat(value).tzinfo is not None:
                details[name] = value
        except ValueError:
            pass
    if zone := plain_text(fields.get("timezone"), 64):
        details["timezone"] = zone
    if fields.get("ical:status") in EVENT_STATUSES:
        details["ical:status"] = fields["ical:status"]
    if fields.get("joinMode") in JOIN_MODES:
        details["joinMode"] = fields["joinMode"]
    for name in EVENT_COUNTS:
        value = fields.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            details[name] = value
    for name in EVENT_FLAGS:
        if isinstance(fields.get(name), bool):
            details[name] = fields[name]
    place = fields.get("location")
    if isinstance(place, dict) and place.get("type") == "Place":
        location = {"type": "Place", "name": plain_text(place.get("name"), 200)}
        address = place.get("address")
        if isinstance(address, dict):
            location["address"] = {"type": "PostalAddress"} | {
                name: plain_text(address.get(name), 200) for name in ADDRESS_FIELDS if address.get(name)
            }
        for name in ("latitude", "longitude"):
            if isinstance(place.get(name), int | float) and not isinstance(place.get(name), bool):
                location[name] = place[name]
        details["location"] = location
    return details


def _hashtags(tags):
    """Return the object's ``Hashtag`` tags as we keep them: a ``#word`` name and an http(s) link each."""
    kept = []
    for tag in tags if isinstance(tags, list) else ():
        if not isinstance(tag, dict) or tag.get("type") != "Hashtag":
            continue
        name, href = plain_text(tag.get("name"), MAX_HASHTAG), http_url(tag.get("href"), max_length=500)
        if HASHTAG.fullmatch(name) and href:
            kept.append({"name": name, "href": href})
    return kept


def _attachments(attachments):
    """
    Return the object's images as we send them: ``Image`` with an http(s) URL, an ``image/*`` media
    type and the alt text as ``name`` (Mastodon shows it as the description), at most four of them,
    as Mastodon displays no more.
    """
    kept = []
    for item in attachments if isinstance(attachments, list) else ():
        if not isinstance(item, dict) or item.get("type") != "Image":
            continue
        url, media_type = http_url(item.get("url"), max_length=500), item.get("mediaType")
        if not url or not isinstance(media_type, str) or not MEDIA_TYPE.fullmatch(media_type):
            continue
        kept.append({"type": "Image", "mediaType": media_type, "url": url, "name": plain_text(item.get("name"), 1500)})
    return kept[:MAX_ATTACHMENTS]


def publish(obj):
    """
    Federate ``obj``: store its ``Note`` and send a Create to its site actor's followers, or an
    Update when it is published already and what it says changed. Run it in the transaction of the
    change it federates.
    """
    with transaction.atomic():
        note, published = _claim(obj)
        before = _federated(note)
        _apply(note, obj.federation_object())
        if published and _federated(note) == before:
            return note  # a save that changed nothing the fediverse holds: no Update to send
        note.deleted = None
        if published:
            note.updated = timezone.now()
        note.save()
        _announce(note, "Update" if published else "Create")
    return note


def _federated(note):
    """What followers hold of ``note``: an Update is owed only when it changes."""
    return [getattr(note, name) for name in FEDERATED_FIELDS]


def update(obj):
    """Federate an edit of ``obj``: ``publish`` sends an Update, or a Create if it never was published."""
    return publish(obj)


def delete(obj):
    """Federate the removal of a published object: tombstone its ``Note`` and send a Delete."""
    with transaction.atomic():
        note = Note.objects.filter(source=_source(obj), deleted__isnull=True).first()
        # Tombstoned as a peer's deleted note is: its likes, boosts and their notifications go too.
        if note is None or not notes.tombstone(Note.objects.filter(pk=note.pk)):
            return None
        note.refresh_from_db()
        emit(note.author_url, "Delete", {"id": note.object_id, "type": "Tombstone"}, to=[PUBLIC], to_followers=True)
    return note


def _announce(note, activity_type):
    """Send a Create or Update of ``note`` to its actor's followers, addressed as the object is."""
    obj = as_object(note)
    emit(note.author_url, activity_type, obj, to=obj["to"], cc=obj["cc"], to_followers=True)
