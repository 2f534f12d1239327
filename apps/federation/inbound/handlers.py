"""
The handler of each inbound activity type, with the owner checks of the reference:

- Create only of an object attributed to the activity's actor, with an id on the actor's host,
  and kept only when it concerns someone here, within the limits of ``admission``;
- Update and Delete only of objects the actor wrote, Update(Person) only of the actor itself;
- Accept and Reject only by the actor that was asked; Undo only of the actor's own activity;
- Announce only of a public or unlisted note: a boost must not carry a post past its audience.

What a Delete or an Undo takes away it takes off the counts it was counted on (``notes``).

Handlers run inside the transaction ``processing.process`` opens for each activity; a repeat does
nothing (rows are unique by activity or object id). What a handler declines it raises as
``Ignored``, kept on the row. What an activity needs from the network (the note an Announce names,
the actor an Update names) is fetched first by its ``FETCHERS`` entry, outside that transaction.
"""

import logging
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from .. import actors, follow_policy, notes, participation
from ..models import Boost, Follow, Like, Note, Notification, PeerActor
from ..outbound.outbox import emit, send_decision
from ..peers.directory import forget_peer, guarded_fetch, lookup_or_fetch, refresh_peer
from ..peers.discovery import fetch_object
from ..vocabulary import ACTOR_TYPES, NOTE_TYPES, addressed, id_of
from . import admission, peer_notes

log = logging.getLogger(__name__)


class Ignored(Exception):
    """The activity is valid but there is nothing for us to do; the message says why."""


class FetchLater(Exception):
    """Something the activity needs could not be fetched for now (no answer, 5xx, 429, breaker open)."""


class GaveUp(Exception):
    """Something the activity needs cannot be had (4xx, a bad or forged document): the row fails, saying why."""


def _peer(actor_url):
    return PeerActor.objects.filter(actor_url=actor_url).first()


# --- Follow, Accept, Reject ---


def handle_follow(activity, actor_url):
    target = id_of(activity.get("object"))
    local = actors.active_from_url(target)
    if local is None:
        raise Ignored(f"{target} is not one of our actors")
    member = notes.member_of(local.id) if local.kind == "Person" else None
    follow, created = Follow.objects.get_or_create(
        follower_url=actor_url,
        followee_url=local.id,
        defaults={"activity_id": activity["id"], "follower_peer": _peer(actor_url), "followee_member": member},
    )
    if not created and follow.state == Follow.State.ACCEPTED:
        follow.activity_id = activity["id"]
        follow.save(update_fields=["activity_id"])
        send_decision(follow, "Accept")  # a peer following again lost our Accept: say it again
        return
    follow.activity_id = activity["id"]
    if follow_policy.approves_automatically(local):
        follow.state, follow.decided_at = Follow.State.ACCEPTED, timezone.now()
        follow.save(update_fields=["activity_id", "state", "decided_at"])
        send_decision(follow, "Accept")
        notes.notify(member, Notification.Kind.FOLLOW, actor_url, follow=follow)
    else:
        follow.state = Follow.State.PENDING
        follow.save(update_fields=["activity_id", "state"])
        notes.notify(member, Notification.Kind.FOLLOW_REQUEST, actor_url, follow=follow)


def _our_follow(activity, actor_url):
    """Return the follow of ours that an Accept or Reject by ``actor_url`` answers."""
    obj = activity.get("object")
    follows = Follow.objects.filter(followee_url=actor_url)  # only the one asked may answer
    found = follows.filter(activity_id=id_of(obj)).first() if id_of(obj) else None
    if found is None and isinstance(obj, dict) and id_of(obj.get("object")) == actor_url:
        found = follows.filter(follower_url=id_of(obj.get("actor"))).first()
    if found is None or actors.active_from_url(found.follower_url) is None:
        raise Ignored("no follow of ours to this actor matches")
    return found


def handle_accept(activity, actor_url):
    follow = _our_follow(activity, actor_url)
    follow.state, follow.decided_at = Follow.State.ACCEPTED, timezone.now()
    follow.save(update_fields=["state", "decided_at"])


def handle_reject(activity, actor_url):
    follow = _our_follow(activity, actor_url)
    follow.state, follow.decided_at = Follow.State.REJECTED, timezone.now()
    follow.save(update_fields=["state", "decided_at"])


# --- Undo ---


def handle_undo(activity, actor_url):
    obj = activity.get("object")
    undone = id_of(obj)
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind in (None, "Follow"):
        query = Follow.objects.filter(follower_url=actor_url)
        follow = query.filter(activity_id=undone).first()
        if follow is None and isinstance(obj, dict):
            follow = query.filter(followee_url=id_of(obj.get("object")) or "").first()
        if follow is not None:
            follow.delete()
            return
    if kind == "Join":  # some servers leave an event by undoing their Join, as Mobilizon's Leave does
        handle_leave({"object": obj.get("object")}, actor_url)
        return
    for model in (Like, Boost):
        if kind in (None, model.activity_type):
            found = model.objects.filter(actor_url=actor_url, activity_id=undone).first()
            if found is not None:
                notes.withdraw_reaction(found)
                return
    raise Ignored(f"nothing of {actor_url}'s has the id {undone}")


# --- Create, Update, Delete of notes and articles ---


def handle_create(activity, actor_url):
    obj = activity.get("object")
    if not isinstance(obj, dict):
        raise Ignored("only embedded objects are created (the object was given by id)")
    if obj.get("type") not in NOTE_TYPES:
        raise Ignored(f"{str(obj.get('type'))[:40]} objects are not kept")
    object_id = id_of(obj)
    if not object_id or len(object_id) > 500 or urlsplit(object_id).hostname != urlsplit(actor_url).hostname:
        raise Ignored("the object's id is not on its actor's host")
    if peer_notes.attributed_to(obj) != [actor_url]:
        raise Ignored("the object is not attributed to the activity's actor")
    visibility = peer_notes.visibility(obj, actor_url, activity)
    if visibility is None:
        raise Ignored("direct messages are not kept")
    if Note.objects.filter(object_id=object_id).exists():
        return  # a repeat (or a note we fetched when it was boosted): kept already
    parent = peer_notes.parent_of(obj)
    addressees = addressed(obj.get("to")) + addressed(obj.get("cc"))
    refusal = admission.why_not_kept(obj, actor_url, addressees, parent) or admission.over_limit(actor_url)
    if refusal:
        raise Ignored(refusal)
    peer_notes.save_note(obj, actor_url, visibility, parent)


def _updates_an_actor(activity, actor_url):
    obj = activity.get("object")
    return (obj.get("type") if isinstance(obj, dict) else None) in ACTOR_TYPES or id_of(obj) == actor_url


def refetch_updated_actor(activity, actor_url):
    """
    Before an Update of an actor is handled: refetch the actor, since the document it serves is
    the truth, not the payload. An actor may update only itself.
    """
    if not _updates_an_actor(activity, actor_url):
        return
    if id_of(activity.get("object")) != actor_url:
        raise Ignored("an actor may update only itself")
    outcome = refresh_peer(actor_url)
    if not outcome.ok:
        raise Ignored(f"refetching the actor failed: {outcome.describe()}")


def handle_update(activity, actor_url):
    if _updates_an_actor(activity, actor_url):
        return  # refetched already, outside the transaction (``refetch_updated_actor``)
    obj = activity.get("object")
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind not in NOTE_TYPES:
        raise Ignored(f"updates of {kind} objects are not handled")
    note = Note.objects.filter(object_id=id_of(obj), author_url=actor_url, deleted__isnull=True).first()
    if note is None:
        raise Ignored("no note of this actor's has that id")
    peer_notes.update_note(note, obj)


def _delete_actor(actor_url):
    """
    An actor deleted itself: its notes are tombstoned (their counts taken back, see
    ``notes.tombstone``), its likes and boosts withdrawn from the notes they counted on, its follows
    removed and the peer forgotten.
    """
    notes.tombstone(Note.objects.filter(author_url=actor_url))
    for model in (Like, Boost):
        for reaction in model.objects.filter(actor_url=actor_url):
            notes.withdraw_reaction(reaction)
    Follow.objects.filter(follower_url=actor_url).delete()
    Follow.objects.filter(followee_url=actor_url).delete()
    peer = _peer(actor_url)
    if peer is not None:
        forget_peer(peer)


def handle_delete(activity, actor_url):
    target = id_of(activity.get("object"))
    if target == actor_url:
        _delete_actor(actor_url)
        return
    if not notes.tombstone(Note.objects.filter(object_id=target or "", author_url=actor_url)):
        raise Ignored("no note of this actor's has that id (or it is deleted already)")


# --- Announce and Like ---

BOOSTABLE = (Note.Visibility.PUBLIC, Note.Visibility.UNLISTED)


def _known_note(activity):
    note = peer_notes.live_note(id_of(activity.get("object")))
    if note is None:
        raise Ignored("the object is not a note we know")
    return note


def fetch_announced(activity, actor_url):
    """
    Before an Announce is handled: fetch the note it names when we do not have it, from the note's
    own server (never trusting an embedded copy), and store it. Only for a booster someone here
    follows (as Mastodon): anyone else's Announce cannot make us fetch.

    Raises ``FetchLater`` when the peer may answer later, ``GaveUp`` when it will not (4xx, a bad
    or forged document), ``Ignored`` for a note we would not show (direct or followers only).
    """
    url = id_of(activity.get("object"))
    if not url or Note.objects.filter(object_id=url).exists():
        return
    if not admission.followed_here(actor_url):
        raise Ignored("the object is not a note we know, and nobody here follows its booster")
    if len(url) > 500:
        raise GaveUp("the announced object's id is longer than 500 characters")
    fetched = guarded_fetch(url, fetch_object)
    if not fetched.ok:
        raise (FetchLater if fetched.transient else GaveUp)(f"fetching the announced {url}: {fetched.describe()}")
    obj = fetched.document
    if obj.get("type") not in NOTE_TYPES:
        raise GaveUp(f"the announced object is a {str(obj.get('type'))[:40]}, not a Note or Article")
    authors = peer_notes.attributed_to(obj)
    if len(authors) != 1 or urlsplit(authors[0]).hostname != urlsplit(fetched.id).hostname:
        raise GaveUp("the announced object is not attributed to one actor on its own host")
    author = lookup_or_fetch(authors[0])
    if not author.ok:
        raise (FetchLater if author.transient else GaveUp)(f"fetching its author: {author.describe()}")
    if author.id != authors[0]:
        raise GaveUp(f"the announced object is attributed to {authors[0]}, an alias of {author.id}")
    visibility = peer_notes.visibility(obj, author.id)
    if visibility not in BOOSTABLE:
        raise Ignored("the announced note is not public: it is not shown")
    with transaction.atomic():
        peer_notes.save_note(obj, author.id, visibility, peer_notes.parent_of(obj))


def handle_announce(activity, actor_url):
    note = _known_note(activity)
    if note.visibility not in BOOSTABLE:  # as Mastodon: a boost must not carry a post past its audience
        raise Ignored("the announced note is not public: a boost of it is not shown")
    notes.record_reaction(Boost, note, actor_url, activity["id"])


def handle_like(activity, actor_url):
    notes.record_reaction(Like, _known_note(activity), actor_url, activity["id"])


# --- Join and Leave of our events (Mobilizon's participation) ---


def _participation(activity):
    """Return ``(note, handler)`` for a Join or Leave of one of our published objects an app answers."""
    note = Note.objects.filter(
        object_id=id_of(activity.get("object")) or "", is_local=True, deleted__isnull=True
    ).first()
    handler = participation.handler_for(note.source) if note is not None and note.source else None
    if handler is None:
        raise Ignored("the object is not one of ours that people can join")
    return note, handler


def handle_join(activity, actor_url):
    """Book the actor a place through the publishing app; answer Accept, or Reject when it is full."""
    note, handler = _participation(activity)
    decision = "Accept" if handler.join(note.source, actor_url) else "Reject"
    join = {"id": activity["id"], "type": "Join", "actor": actor_url, "object": note.object_id}
    emit(note.author_url, decision, join, to=[actor_url], recipients=[actor_url])


def handle_leave(activity, actor_url):
    note, handler = _participation(activity)
    if not handler.leave(note.source, actor_url):
        raise Ignored(f"{actor_url} holds no place on {note.object_id}")


# Run before the handler, outside its transaction: the network is slow, locks should not wait on it.
FETCHERS = {"Announce": fetch_announced, "Update": refetch_updated_actor}

HANDLERS = {
    "Follow": handle_follow,
    "Accept": handle_accept,
    "Reject": handle_reject,
    "Undo": handle_undo,
    "Create": handle_create,
    "Update": handle_update,
    "Delete": handle_delete,
    "Announce": handle_announce,
    "Like": handle_like,
    "Join": handle_join,
    "Leave": handle_leave,
}
