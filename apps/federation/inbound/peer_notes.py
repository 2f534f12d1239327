"""
A peer's Note or Article as we keep it: its fields sanitised, its times clamped to when we received
it, its visibility read from its addressing, the reply linked and counted, and our members replied
to or mentioned notified. Whether a note is to be kept at all is the caller's to decide.
"""

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.sanitize import clean_federated_html, plain_text

from .. import notes
from ..models import Note, Notification, PeerActor
from ..vocabulary import addressed, as_list, http_url, id_of

# Times before this are no peer's real posts (and near year 1 a time zone can take them out of
# range): they are clamped to it, as times after the moment received are clamped to that moment.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
MAX_URL = 500


def attributed_to(obj):
    """Return the actor ids of an object's ``attributedTo`` (a string, an object or a list of them)."""
    return [id_of(item) for item in as_list(obj.get("attributedTo")) if id_of(item)]


def received_time(value, *, earliest=EARLIEST):
    """
    Return the time a peer gives (``published``, ``updated``) clamped between ``earliest`` and now,
    or now when it is absent or unreadable: a time in the future would pin a post to the top of
    every timeline ordered by it.
    """
    now = timezone.now()
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # the form of a date, but no such date (month 13)
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        return now
    return min(max(parsed, earliest), now)


def visibility(obj, author_url, activity=None):
    """
    Return the object's visibility from its ``to``/``cc`` (else the activity's), or None for a
    direct message.

    A post for followers is addressed to its author's followers collection, which is whatever the
    author's document names (Takahe's ends in a slash); Mastodon's ``<actor>/followers`` is assumed
    only for an author whose document named none.
    """
    to, cc = addressed(obj.get("to")), addressed(obj.get("cc"))
    if activity is not None:
        to, cc = to or addressed(activity.get("to")), cc or addressed(activity.get("cc"))
    named = PeerActor.objects.filter(actor_url=author_url).values_list("followers_url", flat=True).first()
    return notes.visibility_of(to, cc, named or notes.followers_url(author_url))


def live_note(object_id):
    """Return the note we keep with id ``object_id``, not tombstoned, or None."""
    if not isinstance(object_id, str) or not object_id:
        return None
    return Note.objects.filter(object_id=object_id, deleted__isnull=True).first()


def parent_of(obj):
    """Return the live note the object replies to, or None."""
    return live_note(id_of(obj.get("inReplyTo")))


def note_fields(obj):
    """Return the fields of our row that the object sets, on a Create as on an Update."""
    return {
        "kind": obj["type"],
        "content": clean_federated_html(obj.get("content") if isinstance(obj.get("content"), str) else ""),
        "summary": plain_text(obj.get("summary"), 500),
        "name": plain_text(obj.get("name"), 500),
        "url": http_url(obj.get("url"), max_length=MAX_URL) or "",
    }


def update_note(note, obj):
    """Apply an Update's object to ``note``: its fields again, ``updated`` no earlier than ``published``."""
    for field, value in note_fields(obj).items():
        setattr(note, field, value)
    note.updated = received_time(obj.get("updated"), earliest=note.published)
    note.save()


def save_note(obj, author_url, note_visibility, parent):
    """
    Store a peer's Note/Article (checked by the caller) once, replying to ``parent`` (a live note
    or None): the reply counted on it, our members replied to or mentioned notified. Return the
    ``Note``, new or not. Run it in a transaction.
    """
    reply_to = id_of(obj.get("inReplyTo")) or ""
    note, created = Note.objects.get_or_create(
        object_id=id_of(obj),
        defaults={
            **note_fields(obj),
            "author_url": author_url,
            "author_peer": PeerActor.objects.filter(actor_url=author_url).first(),
            "visibility": note_visibility,
            "in_reply_to": reply_to if len(reply_to) <= MAX_URL else "",
            "in_reply_to_note": parent,
            "published": received_time(obj.get("published")),
        },
    )
    if not created:
        return note
    notified = set()
    if parent is not None:
        notes.count_reply(parent)
        if parent.author_member_id:
            notes.notify(parent.author_member, Notification.Kind.REPLY, author_url, note=note)
            notified.add(parent.author_member_id)
    for tag in as_list(obj.get("tag")):
        if isinstance(tag, dict) and tag.get("type") == "Mention":
            member = notes.member_of(tag.get("href"))
            if member is not None and member.pk not in notified:
                notes.notify(member, Notification.Kind.MENTION, author_url, note=note)
                notified.add(member.pk)
    return note
