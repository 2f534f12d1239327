"""
What the fediverse answered to something an app published: replies as comments, likes and boosts.

The blog shows them under a post. Replies were cleaned on intake as every peer's post is
(``apps.core.sanitize``), so their HTML can be shown as it is kept. Only public and unlisted
replies are comments: a followers-only reply was written for its author's followers, not for the
post's readers. A fixed number of queries whatever the number of replies: the note, the replies
with their authors joined, the latest likers and the names of those who are peers.
"""

import datetime
from dataclasses import dataclass

from . import actors
from .models import Like, Note, PeerActor

__all__ = ["Comment", "Responses", "responses_to"]

SHOWN_LIKERS = 5


@dataclass(frozen=True)
class Comment:
    author_name: str
    author_handle: str
    author_url: str
    content: str  # sanitized HTML
    published: datetime.datetime
    url: str


@dataclass(frozen=True)
class Responses:
    comments: list[Comment]
    reply_count: int
    like_count: int
    boost_count: int
    #: Names of the latest actors who liked it, newest first, at most ``SHOWN_LIKERS``.
    likers: list[str]

    @property
    def more_likers(self):
        return max(self.like_count - len(self.likers), 0)


def responses_to(source: str, *, limit: int = 100) -> Responses | None:
    """Return the responses to what an app published under ``source``; None if it never was, or was withdrawn."""
    note = Note.objects.filter(source=source, deleted__isnull=True).first()
    if note is None:
        return None
    replies = (
        note.replies.filter(deleted__isnull=True)
        .exclude(visibility=Note.Visibility.FOLLOWERS)
        .select_related("author_peer", "author_member")
        .order_by("published", "pk")[:limit]
    )
    latest_likes = Like.objects.filter(note=note).order_by("-created", "-pk")
    likes = list(latest_likes.values_list("actor_url", flat=True)[:SHOWN_LIKERS])
    return Responses(
        comments=[_comment(reply) for reply in replies],
        reply_count=note.reply_count,
        like_count=note.like_count,
        boost_count=note.boost_count,
        likers=_names(likes),
    )


def _comment(reply):
    if reply.author_member is not None:
        author = actors.member_actor(reply.author_member)
        name, handle = author.display_name, author.handle
    elif reply.author_peer is not None:
        name, handle = reply.author_peer.name or reply.author_peer.handle, reply.author_peer.handle
    else:
        name, handle = reply.author_url, ""
    return Comment(
        author_name=name or handle or reply.author_url,
        author_handle=handle,
        author_url=reply.author_url,
        content=reply.content,
        published=reply.published,
        url=reply.url or reply.object_id,
    )


def _names(actor_urls):
    """Names for actor URLs: a peer's name or handle, one of ours by its handle, else the URL itself."""
    peers = {
        peer.actor_url: peer.name or peer.handle
        for peer in PeerActor.objects.filter(actor_url__in=actor_urls).only("actor_url", "name", "handle")
    }
    named = []
    for url in actor_urls:
        local = None if url in peers else actors.active_from_url(url)
        named.append(peers.get(url) or (local.handle if local is not None else url))
    return named
