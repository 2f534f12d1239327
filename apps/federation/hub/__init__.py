"""
The social hub's services: what its pages call, one module per kind of thing a member does
(``timelines``, ``posting``, ``reactions``, ``follows``, ``notifications``), paged by ``paging``.
Every function takes the signed-in member and scopes what it reads or changes to them; refusals
are ``RoseAshError``.

Lists are cursor-paged by row id (``before``: the id of the last item shown) and cost a constant
number of queries whatever the page size: authors come joined, "liked/boosted by me" as annotations,
counts from the denormalized columns. Lists are newest first by row id, except the home timeline,
which places a boosted note at the time of its newest boost (``timelines.home_timeline``).
"""

from .follows import (
    approve_follow,
    follow,
    follow_requests,
    followers,
    following,
    reject_follow,
    set_follower_policy,
    unfollow,
)
from .notifications import UNREAD_FRAGMENT, mark_read, notifications, unread_count
from .paging import PAGE_SIZE, Page
from .posting import MAX_NOTE, compose_note
from .reactions import boost, like, unboost, unlike
from .timelines import get_note, home_timeline, local_timeline, member_actor_url, replies

__all__ = [
    "MAX_NOTE",
    "PAGE_SIZE",
    "UNREAD_FRAGMENT",
    "Page",
    "approve_follow",
    "boost",
    "compose_note",
    "follow",
    "follow_requests",
    "followers",
    "following",
    "get_note",
    "home_timeline",
    "like",
    "local_timeline",
    "mark_read",
    "member_actor_url",
    "notifications",
    "reject_follow",
    "replies",
    "set_follower_policy",
    "unboost",
    "unfollow",
    "unlike",
    "unread_count",
]
