"""
Notes as ActivityStreams objects, both ways: addressing and visibility, our rows as AS objects,
notifications of what happened to a member's notes or account, and the counts a note keeps of its
replies, likes and boosts, kept right as they come and go.
"""

import html
import re
from collections import Counter

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.dispatch import Signal
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from apps.core.sites import site_url

from . import actors
from .models import Boost, Like, Note, Notification, PeerActor
from .vocabulary import PUBLIC


def followers_url(actor_url):
    return actor_url + "/followers"


def audience(visibility, actor_url):
    """Return ``(to, cc)`` for a note of ``visibility`` by ``actor_url`` (Mastodon's conventions)."""
    followers = followers_url(actor_url)
    if visibility == Note.Visibility.PUBLIC:
        return [PUBLIC], [followers]
    if visibility == Note.Visibility.UNLISTED:
        return [followers], [PUBLIC]
    return [followers], []


def visibility_of(to, cc, followers):
    """Return the visibility of a peer's object from its addressing, or None for a direct message."""
    if PUBLIC in to:
        return Note.Visibility.PUBLIC
    if PUBLIC in cc:
        return Note.Visibility.UNLISTED
    if followers and followers in to + cc:
        return Note.Visibility.FOLLOWERS
    return None


def as_object(note):
    """Return a note of ours as its ActivityStreams object."""
    to, cc = audience(note.visibility, note.author_url)
    obj = {
        "id": note.object_id,
        "type": note.kind,
        "attributedTo": note.author_url,
        "content": note.content,
        "summary": note.summary or None,
        # A note's summary is its content warning; an article's is its excerpt, nothing to hide behind.
        "sensitive": bool(note.summary) and note.kind == Note.Kind.NOTE,
        "published": note.published.isoformat().replace("+00:00", "Z"),
        "url": note.url or note.object_id,
        "inReplyTo": note.in_reply_to or None,
        "to": to,
        "cc": cc,
    }
    if note.name:
        obj["name"] = note.name
    if note.hashtags:
        obj["tag"] = [{"type": "Hashtag", **hashtag} for hashtag in note.hashtags]
    if note.attachments:
        obj["attachment"] = note.attachments
    if note.details:
        obj.update(note.details)
    if note.updated:
        obj["updated"] = note.updated.isoformat().replace("+00:00", "Z")
    return obj


def display_name(actor_url):
    """Return a name to show for an actor: ours, a cached peer's handle or name, else its URL."""
    local = actors.active_from_url(actor_url)
    if local is not None:
        return local.handle
    peer = PeerActor.objects.filter(actor_url=actor_url).only("handle", "name").first()
    if peer is not None:
        return peer.handle or peer.name or actor_url
    return actor_url


def handle_of(actor_url):
    """Return ``user@host`` of our actor or of a peer we hold with a handle, else ""."""
    local = actors.active_from_url(actor_url)
    if local is not None:
        return local.handle
    return PeerActor.objects.filter(actor_url=actor_url).values_list("handle", flat=True).first() or ""


def member_of(actor_url):
    """Return the active member whose actor is ``actor_url``, or None."""
    local = actors.active_from_url(actor_url)
    if local is None or local.kind != "Person":
        return None
    return get_user_model().objects.filter(username=local.username, is_active=True).first()


#: Sent once a member's notification is committed, for apps that tell them elsewhere (the account
#: app mails those who asked). Arguments, all plain values: ``member``, ``kind`` (a
#: ``Notification.Kind`` value), ``actor_name``, ``actor_url``, ``excerpt`` (plain text of the note
#: it is about, or its content warning, or "") and ``url`` (where the hub shows it).
member_notified = Signal()

EXCERPT_CHARS = 200
_BREAKS = re.compile(r"</p>|<br\s*/?>", re.IGNORECASE)


def excerpt(note):
    """Return a note as a line of plain text; a note behind a content warning shows only the warning."""
    if note.summary:
        return f"Content warning: {note.summary}"
    text = html.unescape(strip_tags(_BREAKS.sub(" ", note.content)))
    return Truncator(" ".join(text.split())).chars(EXCERPT_CHARS)


def _hub_url(row):
    """Where the hub shows what the notification is about."""
    if row.kind == Notification.Kind.FOLLOW:
        return site_url(actors.USER_SITE, "federation:followers")
    if row.kind == Notification.Kind.FOLLOW_REQUEST:
        return site_url(actors.USER_SITE, "federation:follow-requests")
    if row.note_id:
        return site_url(actors.USER_SITE, "federation:note", args=[row.note_id])
    return site_url(actors.USER_SITE, "federation:notifications")


def _announce(row):
    member_notified.send(
        sender=Notification,
        member=row.recipient,
        kind=row.kind,
        actor_name=row.actor_name,
        actor_url=row.actor_url,
        excerpt=excerpt(row.note) if row.note_id else "",
        url=_hub_url(row),
    )


def notify(recipient, kind, actor_url, *, note=None, follow=None):
    """
    Tell a member something happened, unless they did it themselves; ``member_notified`` goes out
    once the transaction commits (a failing receiver is logged and loses the notification nothing).
    """
    if recipient is None or actor_url == actors.member_actor(recipient).id:
        return None
    row = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        actor_url=actor_url,
        actor_name=display_name(actor_url),
        note=note,
        follow=follow,
    )
    transaction.on_commit(lambda: _announce(row), robust=True)
    return row


def record_reaction(model, note, actor_url, activity_id, *, member=None):
    """
    Record ``actor_url``'s Like or Boost (``model``) of ``note`` once, count it on the note and tell
    its author; return ``(reaction, created)``. Run it in the caller's transaction.
    """
    reaction, created = model.objects.get_or_create(
        actor_url=actor_url, note=note, defaults={"actor_member": member, "activity_id": activity_id}
    )
    if created:
        Note.objects.filter(pk=note.pk).update(**{model.counter: F(model.counter) + 1})
        notify(note.author_member, model.notifies, actor_url, note=note)
    return reaction, created


def withdraw_reaction(reaction):
    """
    Delete a Like or Boost and take it off its note's count (never below zero), once: a second
    withdrawal of the same row, here or in another process, finds it gone and counts nothing.
    """
    deleted, _by_model = type(reaction).objects.filter(pk=reaction.pk).delete()
    if deleted:
        counter = reaction.counter
        Note.objects.filter(pk=reaction.note_id, **{f"{counter}__gt": 0}).update(**{counter: F(counter) - 1})


def count_reply(parent):
    """Count one more reply on ``parent``. Run it in the caller's transaction, with the reply's row."""
    Note.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)


def tombstone(notes):
    """
    Tombstone the live notes of the queryset ``notes`` and take back all they counted: one reply on
    each one's parent (never below zero), their likes and boosts (rows and counts) and the
    notifications about them, as Mastodon removes a deleted status's favourites, reblogs and
    notifications. Return how many were tombstoned; notes tombstoned already count nothing again.
    Run it in a transaction: the rows are locked so that two Deletes of a note count it once.
    """
    rows = list(notes.filter(deleted__isnull=True).select_for_update().values_list("pk", "in_reply_to_note_id"))
    if not rows:
        return 0
    pks = [pk for pk, _parent in rows]
    Note.objects.filter(pk__in=pks).update(
        deleted=timezone.now(), content="", summary="", name="", like_count=0, boost_count=0
    )
    Like.objects.filter(note_id__in=pks).delete()
    Boost.objects.filter(note_id__in=pks).delete()
    Notification.objects.filter(note_id__in=pks).delete()
    replies = Counter(parent for _pk, parent in rows if parent is not None)
    for parent, count in replies.items():
        Note.objects.filter(pk=parent).update(reply_count=Greatest(F("reply_count") - count, 0))
    return len(rows)
