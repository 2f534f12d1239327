"""
Federation's public face: what views, commands, tasks and other apps may call.

Serving: ``actor_representation``, ``webfinger``, ``nodeinfo_links``, ``nodeinfo``, ``host_meta``.
Discovery: ``actor_url_for``, ``fetch``, ``lookup_or_fetch``, ``forget_peer`` and the outcome types.
Social hub (``hub.py``): timelines, ``compose_note``, likes, boosts, follows, follow requests and
notifications; see that module for each function's contract.
Publishing (``publishing.py``): ``publish``, ``update``, ``delete`` of a ``Publishable`` object.
"""

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http.request import split_domain_port

from apps.core.sites import get_site

from . import actors, collections, inbox, keys, objects
from .cache import forget_peer, lookup_or_fetch, refresh_peer
from .discovery import actor_url_for, fetch
from .hub import (
    PAGE_SIZE,
    Page,
    approve_follow,
    boost,
    compose_note,
    follow,
    follow_requests,
    follower_policy,
    followers,
    following,
    get_note,
    home_timeline,
    like,
    local_timeline,
    mark_read,
    member_actor_url,
    notifications,
    reject_follow,
    replies,
    set_follower_policy,
    unboost,
    unfollow,
    unlike,
    unread_count,
)
from .models import Note
from .outcomes import ActorState, BadActorDoc, FetchOutcome, HttpStatus, NoPeerUrl, PublicKey, TransportError
from .publishing import Publishable, delete, publish, update

__all__ = [
    "PAGE_SIZE",
    "ActorState",
    "Answer",
    "BadActorDoc",
    "FetchOutcome",
    "HttpStatus",
    "NoPeerUrl",
    "Page",
    "PublicKey",
    "Publishable",
    "TransportError",
    "actor_representation",
    "actor_url_for",
    "approve_follow",
    "boost",
    "collection",
    "compose_note",
    "delete",
    "fetch",
    "follow",
    "follow_requests",
    "follower_policy",
    "followers",
    "following",
    "forget_peer",
    "get_note",
    "home_timeline",
    "host_meta",
    "like",
    "local_timeline",
    "lookup_or_fetch",
    "mark_read",
    "member_actor_url",
    "nodeinfo",
    "nodeinfo_links",
    "note_document",
    "notifications",
    "publish",
    "receive_activity",
    "refresh_peer",
    "reject_follow",
    "replies",
    "set_follower_policy",
    "unboost",
    "unfollow",
    "unlike",
    "unread_count",
    "update",
    "webfinger",
]

SOFTWARE = {"name": "roseash", "version": "0.1.0"}
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
USER_COUNT_TTL = 3600
PROFILE_TEMPLATE = "federation/actor.html"
MISSING_TEMPLATE = "federation/actor_missing.html"


@dataclass(frozen=True)
class Answer:
    """What a view sends: the data for its renderer, a status and, for HTML, a template."""

    data: Any
    status: int = 200
    template: str | None = None


def _refusal(status, code, message, fmt):
    if fmt == "html":
        return Answer({"status": status, "message": message}, status, MISSING_TEMPLATE)
    return Answer({"error": code, "message": message}, status)


def actor_representation(site, name, fmt):
    """Return the actor ``name`` of ``site`` in format ``fmt`` (html, activitystreams, actor-doc)."""
    try:
        actor = actors.find(site, name)
    except actors.ActorGone:
        return _refusal(410, "actor_gone", f"The actor {name} has been removed.", fmt)
    if actor is None:
        return _refusal(404, "actor_unknown", f"There is no actor {name} here.", fmt)
    published = keys.published_keys()
    if fmt == "activitystreams":
        return Answer(actors.as_activitystreams(actor, published))
    if fmt == "actor-doc":
        return Answer(actors.as_actor_doc(actor, published))
    return Answer({"actor": actor}, template=PROFILE_TEMPLATE)


def _actor_for_resource(site, resource):
    """Return the local actor of ``site``'s host a WebFinger resource names, or None."""
    if resource.startswith("acct:"):
        user, _, host = resource[len("acct:") :].rpartition("@")
        domain, _port = split_domain_port(host.lower())
        if not user or domain != get_site(site).host:
            return None
        return actors.find(site, user, ignore_case=True)
    actor = actors.from_url(resource)
    return actor if actor is not None and actor.site == site else None


def receive_activity(request, site, name=None):
    """Check and store an inbox POST to actor ``name`` of ``site`` (None: the shared inbox); return its ``Outcome``."""
    if name is not None:
        try:
            actor = actors.find(site, name)
        except actors.ActorGone:
            return inbox.Outcome(410, "actor_gone", f"The actor {name} has been removed.")
        if actor is None:
            return inbox.Outcome(404, "actor_unknown", f"There is no actor {name} here.")
    return inbox.receive(request)


def collection(site, name, which, page=None):
    """Return the ``Answer`` for an actor's outbox, followers or following (a page of it with ``page``)."""
    try:
        actor = actors.find(site, name)
    except actors.ActorGone:
        return Answer({"error": "actor_gone", "message": f"The actor {name} has been removed."}, 410)
    if actor is None:
        return Answer({"error": "actor_unknown", "message": f"There is no actor {name} here."}, 404)
    document = collections.collection(actor, which, page)
    if document is None:
        return Answer({"error": "page_invalid", "message": "A page is a number from 1."}, 400)
    return Answer(document)


def note_document(site, path):
    """Return the ``Answer`` for the object at ``path`` on ``site``'s host: public and unlisted notes only."""
    note = Note.objects.filter(object_id=get_site(site).origin + path, is_local=True).first()
    if note is None or note.visibility == Note.Visibility.FOLLOWERS:
        return Answer({"error": "object_unknown", "message": "There is no such public object here."}, 404)
    if note.deleted is not None:
        return Answer({"error": "object_gone", "message": "This object has been deleted."}, 410)
    return Answer({"@context": actors.AS_CONTEXT, **objects.as_object(note)})


def webfinger(site, resource):
    """Return the JRD for a resource (``acct:name@host`` or an actor URL) of ``site``'s own host."""
    if not resource:
        return Answer({"error": "resource_missing", "message": "Give ?resource=acct:name@host."}, 400)
    try:
        actor = _actor_for_resource(site, resource.strip())
    except actors.ActorGone:
        return Answer({"error": "actor_gone", "message": f"{resource} has been removed."}, 410)
    if actor is None:
        return Answer({"error": "resource_unknown", "message": f"{resource} is not an actor of this host."}, 404)
    return Answer(
        {
            "subject": f"acct:{actor.handle}",
            "aliases": [actor.id],
            "links": [
                {"rel": "self", "type": "application/activity+json", "href": actor.id},
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.id},
            ],
        }
    )


def nodeinfo_links(site):
    origin = get_site(site).origin
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": f"{origin}/nodeinfo/2.1"}]}


def nodeinfo(site):
    users = cache.get_or_set(
        "federation:nodeinfo:users", lambda: get_user_model().objects.filter(is_active=True).count(), USER_COUNT_TTL
    )
    return {
        "version": "2.1",
        "software": SOFTWARE,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {"users": {"total": users}},
        "metadata": {"nodeName": f"Rose Ash {site.capitalize()}"},
    }


def host_meta(site):
    template = get_site(site).origin + "/.well-known/webfinger?resource={uri}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )
