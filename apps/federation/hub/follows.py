"""
Following from the hub: by handle or actor URL (ours, or a peer found through WebFinger and
discovery), unfollowing, the lists of followers and following, follow requests and their answers,
and the member's choice of approving followers by hand.
"""

import re

from django.db import transaction
from django.utils import timezone

from apps.core.errors import RoseAshError
from apps.core.sites import site_for_host

from .. import actors, follow_policy, notes
from ..models import Follow, Notification, PeerActor
from ..outbound.outbox import emit, new_id, send_decision
from ..peers.directory import lookup_or_fetch
from .paging import PAGE_SIZE, paged
from .timelines import member_actor_url

HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+(?::[0-9]+)?)$")


def _target_actor(target):
    """Return ``(local actor or None, remote ActorState or None)`` for a handle or an actor URL."""
    target = (target or "").strip()
    match = HANDLE.match(target)
    if match:
        user, host = match.groups()
        if site_for_host(host) is not None:
            local = actors.find_by_handle(user, host)
            if local is None:
                raise RoseAshError("follow_unresolved", f"There is no {target} here.", status=404)
            return local, None
        remote = f"acct:{user}@{host}"
    elif target.startswith(("http://", "https://")):
        try:
            local = actors.from_url(target)
        except actors.ActorGone:
            raise RoseAshError("follow_unresolved", f"{target} has been removed.", status=404) from None
        if local is not None:
            return local, None
        remote = target
    else:
        raise RoseAshError("follow_target_invalid", "Give a handle like @name@example.org, or an actor URL.")
    state = lookup_or_fetch(remote)
    if not state.ok:
        raise RoseAshError("follow_unresolved", f"{target} could not be found ({state.describe()}).", status=404)
    return None, state


def follow(member, target):
    """
    Follow ``target`` (``@user@host``, ``user@host`` or an actor URL; local actors too) and return
    the ``Follow`` (pending until the Accept arrives; local site actors accept at once).
    Raises ``RoseAshError`` when the target cannot be resolved (WebFinger, then discovery).
    """
    me = member_actor_url(member)
    local, remote = _target_actor(target)
    followee_url = local.id if local is not None else remote.id
    if followee_url == me:
        raise RoseAshError("follow_self", "You cannot follow yourself.")
    with transaction.atomic():
        row, created = Follow.objects.select_for_update().get_or_create(
            follower_url=me,
            followee_url=followee_url,
            defaults={
                "follower_member": member,
                "activity_id": new_id(me, "follows"),
                "followee_member": notes.member_of(followee_url) if local is not None else None,
                "followee_peer": PeerActor.objects.filter(actor_url=followee_url).first() if remote else None,
            },
        )
        if row.state == Follow.State.ACCEPTED:
            return row
        if not created:
            row.activity_id, row.state = new_id(me, "follows"), Follow.State.PENDING
        if local is not None:
            if follow_policy.approves_automatically(local):
                row.state, row.decided_at = Follow.State.ACCEPTED, timezone.now()
                notes.notify(row.followee_member, Notification.Kind.FOLLOW, me, follow=row)
            else:
                notes.notify(row.followee_member, Notification.Kind.FOLLOW_REQUEST, me, follow=row)
        else:
            emit(me, "Follow", followee_url, to=[followee_url], recipients=[followee_url], activity_id=row.activity_id)
        row.save()
    return row


def unfollow(member, actor_url):
    """Stop following ``actor_url`` (also withdraws a pending request) and send the Undo."""
    me = member_actor_url(member)
    with transaction.atomic():
        row = Follow.objects.select_for_update().filter(follower_member=member, followee_url=actor_url).first()
        if row is None:
            return
        if row.followee_peer_id is not None:  # a local followee needs no message
            undone = {"id": row.activity_id, "type": "Follow", "actor": me, "object": actor_url}
            emit(me, "Undo", undone, to=[actor_url], recipients=[actor_url])
        row.delete()


def _follows(**lookup):
    return Follow.objects.filter(state=Follow.State.ACCEPTED, **lookup).select_related(
        "follower_peer", "follower_member", "followee_peer", "followee_member"
    )


def followers(actor_url, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of accepted ``Follow`` rows whose followee is ``actor_url`` (peers and members joined)."""
    return paged(_follows(followee_url=actor_url), before, limit)


def following(actor_url, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of accepted ``Follow`` rows whose follower is ``actor_url`` (peers and members joined)."""
    return paged(_follows(follower_url=actor_url), before, limit)


def follow_requests(member, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of pending ``Follow`` rows waiting for ``member``'s approval."""
    pending = Follow.objects.filter(followee_member=member, state=Follow.State.PENDING)
    return paged(pending.select_related("follower_peer", "follower_member"), before, limit)


def _decide(member, follow_id, state, decision, from_states):
    with transaction.atomic():
        row = (
            Follow.objects.select_for_update()
            .filter(pk=follow_id, followee_member=member, state__in=from_states)
            .first()
        )
        if row is None:
            raise RoseAshError("follow_request_unknown", "There is no such follow request.", status=404)
        row.state, row.decided_at = state, timezone.now()
        row.save(update_fields=["state", "decided_at"])
        if row.follower_peer_id or row.follower_member_id is None:
            send_decision(row, decision)
    return row


def approve_follow(member, follow_id):
    """Accept a pending follow request of ``member``'s and send the Accept."""
    return _decide(member, follow_id, Follow.State.ACCEPTED, "Accept", [Follow.State.PENDING])


def reject_follow(member, follow_id):
    """Reject a pending follow request (or remove an accepted follower) and send the Reject."""
    return _decide(member, follow_id, Follow.State.REJECTED, "Reject", [Follow.State.PENDING, Follow.State.ACCEPTED])


def set_follower_policy(member, approve_manually):
    """Choose manual (True) or automatic (False) approval of new followers; the actor document follows."""
    follow_policy.set_approves_manually(member, approve_manually)
    actors.forget_member(member.username)
