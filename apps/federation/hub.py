"""
What the social hub's pages call (re-exported by ``services``): timelines, composing, likes and
boosts, following, follow requests and notifications. Every function takes the signed-in member
and scopes what it reads or changes to them; refusals are ``RoseAshError``.

Lists are cursor-paged by row id (``before``: the id of the last item shown) and cost a constant
number of queries whatever the page size: authors come joined, "liked/boosted by me" as annotations,
counts from the denormalized columns. Lists are newest first by row id, except the home timeline,
which places a boosted note at the time of its newest boost (``home_timeline``).
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.html import escape, linebreaks, urlize

from apps.core.errors import RoseAshError
from apps.core.fragments import forget_fragment
from apps.core.sites import site_for_host

from . import actors, follow_policy, notes
from .models import Boost, Follow, Like, Note, Notification, PeerActor
from .outbound.outbox import emit, new_id, send_decision
from .peers.directory import lookup_or_fetch
from .vocabulary import PUBLIC, http_url

UNREAD_FRAGMENT = "federation.unread"  # every site's header shows the unread count (``fragments``)
PAGE_SIZE = 20
MAX_PAGE = 100
MAX_NOTE = 5000
HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+(?::[0-9]+)?)$")
MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]+)?))?")


@dataclass(frozen=True)
class Page:
    """One page of a list; ``next_before`` is the cursor of the next (older) page, or None at the end."""

    items: list
    next_before: int | None


def member_actor_url(member):
    """Return the member's actor URL (their id on the fediverse)."""
    return actors.member_actor(member).id


def _page(queryset, before, limit, *, at=None):
    """
    Return a ``Page`` of ``queryset``, newest first: by row id, or, with ``at``, by the annotation
    ``shown_at`` then row id. The cursor is a row id either way; with ``at`` (the rows annotated,
    unfiltered) the page goes on below the cursor row's own ``shown_at``, in the same query.
    """
    limit = max(1, min(int(limit), MAX_PAGE))
    order = ["-pk"] if at is None else ["-shown_at", "-pk"]
    if before and at is None:
        queryset = queryset.filter(pk__lt=int(before))
    elif before:
        cursor = Subquery(at.filter(pk=int(before)).values("shown_at")[:1])
        queryset = queryset.filter(Q(shown_at__lt=cursor) | Q(shown_at=cursor, pk__lt=int(before)))
    items = list(queryset.order_by(*order)[: limit + 1])
    return Page(items[:limit], items[limit - 1].pk if len(items) > limit else None)


def _shown(queryset, viewer):
    """Join what a note list shows and annotate whether ``viewer`` liked or boosted each note."""
    queryset = queryset.filter(deleted__isnull=True).select_related("author_peer", "author_member", "in_reply_to_note")
    if viewer is None:
        return queryset.annotate(liked=Value(False), boosted=Value(False))
    return queryset.annotate(
        liked=Exists(Like.objects.filter(note=OuterRef("pk"), actor_member=viewer)),
        boosted=Exists(Boost.objects.filter(note=OuterRef("pk"), actor_member=viewer)),
    )


def _followed(member):
    return Follow.objects.filter(follower_member=member, state=Follow.State.ACCEPTED).values("followee_url")


def _visible_to(viewer):
    """
    Return the condition on notes ``viewer`` (a member or None) may see: every note but those for
    followers only, which only their author and the author's accepted followers see.

    Every list and ``get_note`` filter by it, whatever brought the note there: a boost of a
    followers-only note by someone the viewer follows shows it to nobody else.
    """
    shown = ~Q(visibility=Note.Visibility.FOLLOWERS)
    if viewer is not None:
        shown |= Q(author_member=viewer) | Q(author_url__in=_followed(viewer))
    return shown


def home_timeline(member, *, before=None, limit=PAGE_SIZE):
    """
    Return a ``Page`` of ``Note`` rows for the member's home: their own posts, posts of the actors
    they follow (accepted follows, local and remote) and posts those actors boosted, newest first;
    a followers-only post only if the member may see it (``_visible_to``).

    A note is placed at ``shown_at``: the later of its own ``published`` and the newest boost of it
    by an actor the member follows, so an old post boosted now comes first, as Mastodon shows it.
    Each note has ``author_peer``/``author_member``/``in_reply_to_note`` joined and the annotations
    ``boosted_by`` (that newest followed booster, or None), ``shown_at``, ``liked`` and ``boosted``
    (by this member). One query per page, the cursor included (see ``_page``).
    """
    followed = _followed(member)
    boosted = Boost.objects.filter(note=OuterRef("pk"), actor_url__in=followed)
    newest = boosted.order_by("-created", "-pk")
    placed = Note.objects.annotate(
        boosted_by=Subquery(newest.values("actor_url")[:1]),
        # Coalesce: Greatest is NULL on SQLite and MySQL when one side is (PostgreSQL skips it).
        shown_at=Greatest("published", Coalesce(Subquery(newest.values("created")[:1]), "published")),
    )
    notes = placed.filter(Q(author_member=member) | Q(author_url__in=followed) | Q(Exists(boosted)))
    return _page(_shown(notes.filter(_visible_to(member)), member), before, limit, at=placed)


def local_timeline(*, viewer=None, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of this instance's public notes (sites and members), newest first; annotated as above."""
    notes = Note.objects.filter(is_local=True, visibility=Note.Visibility.PUBLIC)
    return _page(_shown(notes, viewer), before, limit)


def get_note(viewer, note_id):
    """Return the note ``note_id`` if ``viewer`` (a member or None) may see it, else raise 404."""
    note = _shown(Note.objects.filter(_visible_to(viewer), pk=note_id), viewer).first()
    if note is None:
        raise RoseAshError("note_unknown", "There is no such post, or it is not shown to you.", status=404)
    return note


def replies(viewer, note_id, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of the replies to note ``note_id`` that ``viewer`` may see, newest first."""
    note = get_note(viewer, note_id)
    return _page(_shown(Note.objects.filter(_visible_to(viewer), in_reply_to_note=note), viewer), before, limit)


def _mentioned(text):
    """Return ``{written mention: actor URL}`` for ``@user`` (ours) and ``@user@host`` (ours, or a known peer)."""
    found = {}
    for match in MENTION.finditer(text):
        user, host = match.group(1), match.group(2)
        local = _local_by_handle(user, host) if host else _local_by_handle(user, None)
        if local is not None:
            found[match.group(0)] = local.id
        elif host:
            peer = PeerActor.objects.filter(handle__iexact=f"{user}@{host.split(':')[0]}").first()
            if peer is not None and http_url(peer.actor_url):
                found[match.group(0)] = peer.actor_url
    return found


def _local_by_handle(user, host):
    """Return our actor ``user@host`` (``host`` None: a member), or None."""
    site = site_for_host(host) if host else None
    try:
        if host is None:
            return actors.find(actors.USER_SITE, user, ignore_case=True)
        return actors.find(site.name, user, ignore_case=True) if site is not None else None
    except actors.ActorGone:
        return None


def _html(text, mentions):
    """Return the HTML of a plain-text post: paragraphs, links, and mentions linked to their actors."""
    html = linebreaks(urlize(escape(text), nofollow=True))
    for written, url in sorted(mentions.items(), key=lambda item: -len(item[0])):
        link = f'<span class="h-card"><a href="{escape(url)}" class="u-url mention">{escape(written)}</a></span>'
        html = re.sub(rf"(?<![\w@/\"]){re.escape(escape(written))}(?![\w@.])", link, html)
    return html


def _mention_tags(mentions, parent, me):
    """
    Return the ``Mention`` tags of a post by ``me``: one per mention written and, for a reply, one
    of the replied-to author unless written already. Mastodon adds that one too: a server threads
    a reply and tells the author of it only when they are mentioned.
    """
    tags = [{"type": "Mention", "href": url, "name": written} for written, url in mentions.items()]
    author = parent.author_url if parent is not None else None
    if author and author != me and author not in mentions.values():
        tag = {"type": "Mention", "href": author}
        handle = notes.handle_of(author)
        if handle:
            tag["name"] = f"@{handle}"
        tags.append(tag)
    return tags


def compose_note(member, content, *, summary="", visibility="public", in_reply_to=None):
    """
    Post a note as ``member`` and federate it; return the ``Note``.

    ``content`` is plain text (paragraphs, links and ``@user@host`` / ``@user`` mentions become HTML);
    ``summary`` is the content warning; ``visibility`` is public, unlisted or followers;
    ``in_reply_to`` is a ``Note`` id the member can see. The Create is delivered to the member's
    followers and to everyone it mentions: those written, and the replied-to author, who is
    mentioned (``cc`` and a ``Mention`` tag) whether written or not.
    """
    content, summary = (content or "").strip(), (summary or "").strip()
    if not content:
        raise RoseAshError("note_empty", "Write something first.")
    if len(content) > MAX_NOTE:
        raise RoseAshError("note_too_long", f"A post is at most {MAX_NOTE} characters.")
    if len(summary) > 500:
        raise RoseAshError("summary_too_long", "A content warning is at most 500 characters.")
    if visibility not in Note.Visibility.values:
        raise RoseAshError("visibility_unknown", "Visibility is public, unlisted or followers.")
    parent = get_note(member, in_reply_to) if in_reply_to else None
    me = member_actor_url(member)
    mentions = _mentioned(content)
    with transaction.atomic():
        object_id = new_id(me, "notes")
        note = Note.objects.create(
            object_id=object_id,
            url=object_id,
            author_url=me,
            author_member=member,
            is_local=True,
            summary=summary,
            content=_html(content, mentions),
            visibility=visibility,
            in_reply_to=parent.object_id if parent else "",
            in_reply_to_note=parent,
        )
        obj = notes.as_object(note)
        tags = _mention_tags(mentions, parent, me)
        if tags:
            obj["tag"] = tags
            obj["cc"] = obj["cc"] + sorted({tag["href"] for tag in tags})
        if parent is not None:
            notes.count_reply(parent)
            notes.notify(parent.author_member, Notification.Kind.REPLY, me, note=note)
        for url in set(mentions.values()):
            mentioned = notes.member_of(url)
            if mentioned is not None and (parent is None or mentioned.pk != parent.author_member_id):
                notes.notify(mentioned, Notification.Kind.MENTION, me, note=note)
        emit(
            me,
            "Create",
            obj,
            to=obj["to"],
            cc=obj["cc"],
            to_followers=True,
            recipients={tag["href"] for tag in tags},
            activity_id=object_id + "/activity",
        )
    return note


def _react(member, note_id, model, **addressing):
    note = get_note(member, note_id)
    me = member_actor_url(member)
    with transaction.atomic():
        activity_id = new_id(me, model.activity_type.lower() + "s")
        reaction, created = notes.record_reaction(model, note, me, activity_id, member=member)
        if created:
            emit(
                me,
                model.activity_type,
                note.object_id,
                activity_id=activity_id,
                recipients=[note.author_url],
                **addressing,
            )
    return reaction


def _undo(member, note_id, model, **addressing):
    note = get_note(member, note_id)
    me = member_actor_url(member)
    with transaction.atomic():
        reaction = model.objects.select_for_update().filter(actor_url=me, note=note).first()
        if reaction is None:
            return
        undone = {"id": reaction.activity_id, "type": model.activity_type, "actor": me, "object": note.object_id}
        notes.withdraw_reaction(reaction)
        emit(me, "Undo", undone, recipients=[note.author_url], **addressing)


def like(member, note_id):
    """Like a note (idempotent) and send the Like to its author; return the ``Like``."""
    return _react(member, note_id, Like)


def unlike(member, note_id):
    """Undo the member's like of a note, if any, and send the Undo."""
    _undo(member, note_id, Like)


def _boost_addressing(member, note):
    return {
        "to": [PUBLIC],
        "cc": [note.author_url, notes.followers_url(member_actor_url(member))],
        "to_followers": True,
    }


def boost(member, note_id):
    """Boost (Announce) a public or unlisted note to the member's followers (idempotent); return the ``Boost``."""
    note = get_note(member, note_id)
    if note.visibility == Note.Visibility.FOLLOWERS:
        raise RoseAshError("boost_refused", "Posts for followers only cannot be boosted.")
    return _react(member, note_id, Boost, **_boost_addressing(member, note))


def unboost(member, note_id):
    """Undo the member's boost, if any, and send the Undo."""
    note = get_note(member, note_id)
    _undo(member, note_id, Boost, **_boost_addressing(member, note))


def _target_actor(target):
    """Return ``(local actor or None, remote ActorState or None)`` for a handle or an actor URL."""
    target = (target or "").strip()
    match = HANDLE.match(target)
    if match:
        user, host = match.groups()
        if site_for_host(host) is not None:
            local = _local_by_handle(user, host)
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
    return _page(_follows(followee_url=actor_url), before, limit)


def following(actor_url, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of accepted ``Follow`` rows whose follower is ``actor_url`` (peers and members joined)."""
    return _page(_follows(follower_url=actor_url), before, limit)


def follow_requests(member, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of pending ``Follow`` rows waiting for ``member``'s approval."""
    pending = Follow.objects.filter(followee_member=member, state=Follow.State.PENDING)
    return _page(pending.select_related("follower_peer", "follower_member"), before, limit)


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


def notifications(member, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of the member's ``Notification`` rows, newest first, with ``note`` joined."""
    rows = Notification.objects.filter(recipient=member).select_related("note", "follow")
    return _page(rows, before, limit)


def unread_count(member):
    """Return how many notifications the member has not read (one indexed count)."""
    return Notification.objects.filter(recipient=member).unread().count()


def mark_read(member, ids=None):
    """
    Mark the member's notifications read: those in ``ids`` (404 if one is not theirs), or all
    (``ids`` None). The unread count every site's header shows follows at once.
    """
    rows = Notification.objects.filter(recipient=member).unread()
    if ids is not None:
        ids = {int(pk) for pk in ids}
        if Notification.objects.filter(recipient=member, pk__in=ids).count() != len(ids):
            raise RoseAshError("notification_unknown", "There is no such notification.", status=404)
        rows = rows.filter(pk__in=ids)
    marked = rows.update(read_at=timezone.now())
    forget_fragment(UNREAD_FRAGMENT, {"user": str(member.pk)})
    return marked
