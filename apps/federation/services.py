"""
Federation's public face: what other apps, the federation site's views and commands call.

Other apps federate their content through ``publish``, ``update`` and ``delete`` of a
``Publishable`` object, show what the fediverse answered with ``responses_to``, answer peers'
Join and Leave of it through ``register_participation_handler``, and find a member's fediverse id
with ``member_actor_url``. The account app announces a member's changed profile
(``member_profile_changed``: an ``Update``), a changed choice peers do not see
(``member_privacy_changed``) and a deleted account (``member_removed``: a
``Delete``), exports what federation holds (``member_data``), and mails a member who asked about
what the hub notifies them of (the ``member_notified`` signal). The public
endpoints are served from ``local_actor``, ``actor_document``, ``collection``, ``note_document``,
``receive_activity``, ``webfinger`` and the NodeInfo and host-meta documents. Peers are looked up
with ``lookup_or_fetch`` (``refresh_peer``, ``forget_peer``), whose results are ``FetchOutcome``.

Every function takes plain values, returns a value and raises ``RoseAshError`` (with the HTTP
status a view should answer) for what cannot be done; the views choose templates and statuses.
The social hub's own pages call ``hub`` directly.
"""

from xml.sax.saxutils import quoteattr

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http.request import split_domain_port

from apps.core.errors import RoseAshError
from apps.core.sites import get_site

from . import actor_collections, actors, notes, participation
from .actors import LocalActor
from .hub import member_actor_url
from .inbound import inbox
from .member_profiles import member_data, member_privacy_changed, member_profile_changed, member_removed
from .models import Note
from .notes import member_notified
from .peers.directory import forget_peer, lookup_or_fetch, refresh_peer
from .peers.outcomes import ActorState, FetchOutcome
from .publishing import Publishable, delete, publish, update
from .responses import Comment, Responses, responses_to
from .signing import keys
from .signing.signatures import SignedRequest
from .vocabulary import AS_CONTEXT

__all__ = [
    "INBOX_MAX_BODY",
    "ActorState",
    "Comment",
    "FetchOutcome",
    "LocalActor",
    "Publishable",
    "Responses",
    "SignedRequest",
    "actor_document",
    "collection",
    "delete",
    "forget_peer",
    "host_meta",
    "local_actor",
    "lookup_or_fetch",
    "member_actor_url",
    "member_data",
    "member_notified",
    "member_privacy_changed",
    "member_profile_changed",
    "member_removed",
    "nodeinfo",
    "nodeinfo_links",
    "note_document",
    "publish",
    "receive_activity",
    "refresh_peer",
    "register_participation_handler",
    "responses_to",
    "update",
    "webfinger",
]

SOFTWARE = {"name": "roseash", "version": "0.1.0"}
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
USER_COUNT_TTL = 3600
INBOX_MAX_BODY = inbox.MAX_BODY


def register_participation_handler(prefix: str, handler: participation.ParticipationHandler) -> None:
    """
    Have ``handler`` answer peers' Join and Leave of the objects an app published with sources
    ``prefix:...`` (the events app's ``"events.event"``); call it from the app's ``ready()``.
    """
    participation.register(prefix, handler)


def local_actor(site: str, name: str) -> LocalActor:
    """Return our actor ``name`` served on ``site``'s host; raise 404 when there is none, 410 when removed."""
    try:
        actor = actors.find(site, name)
    except actors.ActorGone:
        raise RoseAshError("actor_gone", f"The actor {name} has been removed.", status=410) from None
    if actor is None:
        raise RoseAshError("actor_unknown", f"There is no actor {name} here.", status=404)
    return actor


def actor_document(actor: LocalActor, fmt: str) -> dict:
    """Return ``actor``'s document in ``fmt``: ``activitystreams`` or the compact ``actor-doc``."""
    published = keys.published_keys()
    if fmt == "actor-doc":
        return actors.as_actor_doc(actor, published)
    return actors.as_activitystreams(actor, published)


def receive_activity(site: str, name: str | None, post: SignedRequest) -> None:
    """
    Check and store an inbox POST to actor ``name`` of ``site`` (None: the shared inbox).

    Return once the activity is stored (or was already); raise ``RoseAshError`` with the refusal.
    """
    if name is not None:
        local_actor(site, name)
    inbox.receive(post)


def collection(site: str, name: str, which: str, page: str | None = None) -> dict:
    """Return an actor's outbox, followers or following (a page of it with ``page``)."""
    document = actor_collections.collection(local_actor(site, name), which, page)
    if document is None:
        raise RoseAshError("page_invalid", "A page is a number from 1.")
    return document


def note_document(site: str, path: str) -> dict:
    """Return the object at ``path`` on ``site``'s host: our public and unlisted notes only."""
    note = Note.objects.filter(object_id=get_site(site).origin + path, is_local=True).first()
    if note is None or note.visibility == Note.Visibility.FOLLOWERS:
        raise RoseAshError("object_unknown", "There is no such public object here.", status=404)
    if note.deleted is not None:
        raise RoseAshError("object_gone", "This object has been deleted.", status=410)
    return {"@context": AS_CONTEXT, **notes.as_object(note)}


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


def webfinger(site: str, resource: str) -> dict:
    """Return the JRD for a resource (``acct:name@host`` or an actor URL) of ``site``'s own host."""
    if not resource:
        raise RoseAshError("resource_missing", "Give ?resource=acct:name@host.")
    try:
        actor = _actor_for_resource(site, resource.strip())
    except actors.ActorGone:
        raise RoseAshError("actor_gone", f"{resource} has been removed.", status=410) from None
    if actor is None:
        raise RoseAshError("resource_unknown", f"{resource} is not an actor of this host.", status=404)
    return {
        "subject": f"acct:{actor.handle}",
        "aliases": [actor.id],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": actor.id},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.id},
        ],
    }


def nodeinfo_links(site: str) -> dict:
    origin = get_site(site).origin
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": f"{origin}/nodeinfo/2.1"}]}


def nodeinfo(site: str) -> dict:
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


def host_meta(site: str) -> str:
    template = get_site(site).origin + "/.well-known/webfinger?resource={uri}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )
