"""Rows the social hub's tests start from: notes by members and sites, follows, notifications."""

import itertools

from apps.federation import actors, hub
from apps.federation.models import Follow, Note, Notification

_serial = itertools.count(1)


def note_by(member, content="Hello", **fields):
    """Return a local note written by ``member``."""
    url = hub.member_actor_url(member)
    fields.setdefault("is_local", True)
    return Note.objects.create(
        object_id=f"{url}/notes/t{next(_serial)}",
        author_url=url,
        author_member=member,
        content=f"<p>{content}</p>",
        **fields,
    )


def site_note(site, content="News", **fields):
    """Return a local public note written by a site's actor (the blog, the market...)."""
    url = actors.site_actor(site).id
    return Note.objects.create(
        object_id=f"{url}/objects/t{next(_serial)}",
        author_url=url,
        author_site=site,
        is_local=True,
        content=f"<p>{content}</p>",
        **fields,
    )


def follow_row(follower, followee_url, state=Follow.State.ACCEPTED, **fields):
    """Return a ``Follow`` of ``followee_url`` by the member ``follower``."""
    url = hub.member_actor_url(follower)
    return Follow.objects.create(
        follower_url=url,
        followee_url=followee_url,
        follower_member=follower,
        state=state,
        activity_id=f"{url}/follows/t{next(_serial)}",
        **fields,
    )


def notification_for(member, kind=Notification.Kind.LIKE, note=None, actor_url="https://elsewhere.example/users/bo"):
    return Notification.objects.create(recipient=member, kind=kind, actor_url=actor_url, actor_name="bo", note=note)
