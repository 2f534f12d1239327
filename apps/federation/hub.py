"""
What the social hub's pages call (re-exported by ``services``): timelines, composing, likes and
boosts, following, follow requests and notifications. Every function takes the signed-in member
and scopes what it reads or changes to them; refusals are ``RoseAshError``.

Lists are cursor-paged by row id (``before``: the id of the last item shown) and cost a constant
number of queries whatever the page size: authors come joined, "liked/boosted by me" as annotations,
counts from the denormalized columns.
"""

from dataclasses import dataclass

PAGE_SIZE = 20


@dataclass(frozen=True)
class Page:
    """One page of a list; ``next_before`` is the cursor of the next (older) page, or None at the end."""

    items: list
    next_before: int | None


def member_actor_url(member):
    """Return the member's actor URL (their id on the fediverse)."""
    raise NotImplementedError


def home_timeline(member, *, before=None, limit=PAGE_SIZE):
    """
    Return a ``Page`` of ``Note`` rows for the member's home: their own posts, posts of the actors
    they follow (accepted follows, local and remote) and posts those actors boosted, newest first.

    Each note has ``author_peer``/``author_member``/``in_reply_to_note`` joined and the annotations
    ``liked`` and ``boosted`` (by this member).
    """
    raise NotImplementedError


def local_timeline(*, viewer=None, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of this instance's public notes (sites and members), newest first; annotated as above."""
    raise NotImplementedError


def get_note(viewer, note_id):
    """Return the note ``note_id`` if ``viewer`` (a member or None) may see it, else raise 404."""
    raise NotImplementedError


def compose_note(member, content, *, summary="", visibility="public", in_reply_to=None):
    """
    Post a note as ``member`` and federate it; return the ``Note``.

    ``content`` is plain text (paragraphs, links and ``@user@host`` / ``@user`` mentions become HTML);
    ``summary`` is the content warning; ``visibility`` is public, unlisted or followers;
    ``in_reply_to`` is a ``Note`` id the member can see. The Create is delivered to the member's
    followers, to the replied-to author and to anyone mentioned.
    """
    raise NotImplementedError


def like(member, note_id):
    """Like a note (idempotent) and send the Like to its author; return the ``Like``."""
    raise NotImplementedError


def unlike(member, note_id):
    """Undo the member's like of a note, if any, and send the Undo."""
    raise NotImplementedError


def boost(member, note_id):
    """Boost (Announce) a public or unlisted note to the member's followers (idempotent); return the ``Boost``."""
    raise NotImplementedError


def unboost(member, note_id):
    """Undo the member's boost, if any, and send the Undo."""
    raise NotImplementedError


def follow(member, target):
    """
    Follow ``target`` (``@user@host``, ``user@host`` or an actor URL; local actors too) and return
    the ``Follow`` (pending until the Accept arrives; local site actors accept at once).
    Raises ``RoseAshError`` when the target cannot be resolved (WebFinger, then discovery).
    """
    raise NotImplementedError


def unfollow(member, actor_url):
    """Stop following ``actor_url`` (also withdraws a pending request) and send the Undo."""
    raise NotImplementedError


def followers(actor_url, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of accepted ``Follow`` rows whose followee is ``actor_url`` (peers and members joined)."""
    raise NotImplementedError


def following(actor_url, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of accepted ``Follow`` rows whose follower is ``actor_url`` (peers and members joined)."""
    raise NotImplementedError


def follow_requests(member, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of pending ``Follow`` rows waiting for ``member``'s approval."""
    raise NotImplementedError


def approve_follow(member, follow_id):
    """Accept a pending follow request of ``member``'s and send the Accept."""
    raise NotImplementedError


def reject_follow(member, follow_id):
    """Reject a pending follow request (or remove an accepted follower) and send the Reject."""
    raise NotImplementedError


def follower_policy(member):
    """Return True when ``member`` approves followers manually, False when they are accepted automatically."""
    raise NotImplementedError


def set_follower_policy(member, approve_manually):
    """Choose automatic (False) or manual (True) approval of new followers."""
    raise NotImplementedError


def notifications(member, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of the member's ``Notification`` rows, newest first, with ``note`` joined."""
    raise NotImplementedError


def unread_count(member):
    """Return how many notifications the member has not read (one indexed count)."""
    raise NotImplementedError


def mark_read(member, ids=None):
    """Mark the member's notifications read: those in ``ids``, or all when ``ids`` is None."""
    raise NotImplementedError
