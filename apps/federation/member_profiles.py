"""
A member's actor when their profile changes or their account goes, told to the peers that follow it.

The account app owns the profile (display name, bio, avatar on the member row) and calls these
through ``services`` after saving: a change is announced as an ``Update`` whose object is the
actor's new document, a deleted account as a ``Delete`` of the actor, both to its followers and
written in the caller's transaction (the outbox), so they leave only if the change is committed.
"""

from django.db import transaction

from . import actors
from .models import Follow, Like, Note
from .outbound import outbox
from .signing import keys
from .vocabulary import PUBLIC


def _forget_on_commit(username):
    transaction.on_commit(lambda: actors.forget_member(username))


def member_profile_changed(member):
    """Write the ``Update`` of the member's actor to its followers; return the outbound activity row."""
    actor = actors.member_actor(member)
    document = actors.as_activitystreams(actor, keys.published_keys())
    row = outbox.emit(actor.id, "Update", document, to=[PUBLIC], cc=[document["followers"]], to_followers=True)
    _forget_on_commit(member.username)
    return row


def member_privacy_changed(member):
    """
    Have the member's actor follow a changed choice that only our own pages and collections show
    (``show_follows``): peers hold nothing of it, so no ``Update`` goes out.
    """
    _forget_on_commit(member.username)


def member_removed(member):
    """
    Write the ``Delete`` of the member's actor to its followers, and drop their follows of others.

    Call it in the transaction that deactivates the member: their actor then answers 410, their
    notes stay tombstoned under their ids, and nobody can take over the handle.
    """
    actor = actors.member_actor(member)
    row = outbox.emit(actor.id, "Delete", actor.id, to=[PUBLIC], cc=[actor.id + "/followers"], to_followers=True)
    Follow.objects.filter(follower_member=member).delete()
    _forget_on_commit(member.username)
    return row


def member_data(member):
    """Return what federation holds about the member, as JSON-ready values (their data export)."""
    actor = actors.member_actor(member)
    notes = Note.objects.filter(author_member=member, deleted__isnull=True).order_by("published", "id")
    return {
        "actor": actor.id,
        "handle": actor.handle,
        "notes": [
            {
                "id": note.object_id,
                "published": note.published.isoformat(),
                "visibility": note.visibility,
                "summary": note.summary,
                "content": note.content,
                "in_reply_to": note.in_reply_to,
            }
            for note in notes
        ],
        "following": list(Follow.objects.filter(follower_member=member).values_list("followee_url", flat=True)),
        "followers": list(
            Follow.objects.filter(followee_url=actor.id, state=Follow.State.ACCEPTED).values_list(
                "follower_url", flat=True
            )
        ),
        "likes": list(Like.objects.filter(actor_member=member).values_list("note__object_id", flat=True)),
    }
