"""
Our own actors, and their projections into the formats we serve.

Each site has a ``Service`` actor on its own host at ``/actors/<site>``, presented as its
``SiteActorProfile`` says (name, summary, icon, header, profile fields); each member has a
``Person`` actor on the federation host at ``/actors/<username>``. Every actor publishes the
instance keys under its own key ids (``<actor URL>#<key name>``), so one keypair serves them all.
"""

from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import urljoin, urlsplit

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.html import escape, format_html, linebreaks

from apps.core.sites import get_site, site_for_host

from . import follow_policy, images
from .models import SiteActorProfile
from .signing.keys import ALGORITHM
from .vocabulary import ACTOR_CONTEXT, PROPERTY_VALUE_CONTEXT

USER_SITE = "federation"
ACTOR_DOC_VERSION = 1
PUBLIC_URLCONF_NAMESPACE = "activitypub"


class ActorGone(Exception):
    """The actor existed and was removed: its URL answers 410."""


_web_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Picture:
    """An actor's icon or header: its absolute URL and media type."""

    url: str
    media_type: str

    def as_activitystreams(self):
        return {"type": "Image", "mediaType": self.media_type, "url": self.url}


@dataclass(frozen=True)
class ProfileField:
    """A name/value pair of an actor's profile; a value that is an http(s) URL is shown as a link."""

    name: str
    value: str

    @property
    def link(self):
        """Return the value when it is an http(s) URL, else an empty string."""
        try:
            _web_url(self.value)
        except ValidationError:
            return ""
        return self.value

    @property
    def value_html(self):
        """Return the value as Mastodon shows it: escaped text, or a link (``rel="me"`` for verification)."""
        if self.link:
            return format_html('<a href="{0}" rel="me nofollow noopener noreferrer" target="_blank">{0}</a>', self.link)
        return escape(self.value)


@dataclass(frozen=True)
class LocalActor:
    """One of our actors: enough to build every representation of it."""

    username: str
    kind: str
    display_name: str
    summary: str  # plain text
    site: str
    approves_manually: bool = False  # members who approve each follower (``follow_policy``)
    discoverable: bool = True  # a member may ask directories and search to leave them out
    shows_follows: bool = True  # a member may hide whom they follow and who follows them (counts stay)
    icon: Picture | None = None
    image: Picture | None = None  # the header
    fields: tuple[ProfileField, ...] = ()

    @cached_property  # the actor is remembered for a minute (``_remembered``): rendered once for all its documents
    def summary_html(self):
        """Return the summary as ActivityStreams carries it: HTML, the text escaped, paragraphs in <p>."""
        return linebreaks(self.summary, autoescape=True) if self.summary else ""

    @property
    def host(self):
        return get_site(self.site).host

    @cached_property
    def id(self):
        site = get_site(self.site)
        return site.origin + _actor_path(site.urlconf, self.username)

    @property
    def handle(self):
        return f"{self.username}@{self.host}"

    # Inbox and collections hang under the actor URL; the shared inbox is the federation host's.
    @property
    def inbox(self):
        return self.id + "/inbox"

    @property
    def outbox(self):
        return self.id + "/outbox"

    @property
    def shared_inbox(self):
        return get_site(USER_SITE).origin + "/inbox"

    def key_id(self, key):
        return f"{self.id}#{key.name}"


@lru_cache(maxsize=4096)
def _actor_path(urlconf, username):
    """Return the path of an actor's URL; it depends only on the URLconf, so it is cached per process."""
    return reverse(f"{PUBLIC_URLCONF_NAMESPACE}:actor", urlconf=urlconf, args=[username])


def from_url(url):
    """
    Return our actor whose id is ``url``, or None when ``url`` is not one of our actors.

    Raises ``ActorGone`` for a deactivated member.
    """
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or parts.query or parts.fragment:
        return None
    site = site_for_host(parts.netloc)
    if site is None or parts.netloc.lower() != urlsplit(site.origin).netloc:
        return None
    try:
        match = resolve(parts.path, urlconf=site.urlconf)
    except Resolver404:
        return None
    if match.view_name != f"{PUBLIC_URLCONF_NAMESPACE}:actor":
        return None
    return find(site.name, match.kwargs["name"])


def active_from_url(url):
    """Return our actor whose id is ``url``, or None: not ours, or a member who was removed."""
    try:
        return from_url(url)
    except ActorGone:
        return None


def member_actor(member, *, approves_manually=False):
    """
    Return the ``LocalActor`` of a member (active or not: their past posts keep their id).

    The profile (display name, bio, avatar) is the member's own, kept by the account app; a member
    who set no display name is shown by their full name, else their username.
    """
    avatar = getattr(member, "avatar", None)
    return LocalActor(
        username=member.username,
        kind="Person",
        display_name=getattr(member, "display_name", "") or member.get_full_name() or member.username,
        summary=getattr(member, "bio", ""),
        site=USER_SITE,
        approves_manually=approves_manually,
        icon=_picture(get_site(USER_SITE).origin, avatar) if avatar else None,
        discoverable=getattr(member, "discoverable", True),
        shows_follows=getattr(member, "show_follows", True),
    )


def site_actor(site):
    """Return ``site``'s ``Service`` actor as this process saw its profile less than ``REMEMBER_FOR`` seconds ago."""
    return _remembered(f"federation:site:{site}", lambda: current_site_actor(site))


def forget_site(site):
    """Drop this process's remembered actor of ``site`` (after a change to its profile)."""
    caches["process"].delete(f"federation:site:{site}")


def current_site_actor(site):
    """Return ``site``'s actor as its profile row says now; what the row leaves empty (or no row) takes the defaults."""
    profile = SiteActorProfile.objects.filter(site=site).prefetch_related("profile_fields").first()
    profile = profile or SiteActorProfile(site=site)
    origin = get_site(site).origin
    return LocalActor(
        username=site,
        kind="Service",
        display_name=profile.name or f"Rose Ash {site.capitalize()}",
        summary=profile.summary or f"The {site} site of the Rose Ash cooperative.",
        site=site,
        icon=_picture(origin, profile.icon),
        image=_picture(origin, profile.header),
        fields=tuple(ProfileField(row.name, row.value) for row in profile.profile_fields.all()) if profile.pk else (),
    )


def _picture(origin, file):
    """Return a stored picture as a ``Picture`` whose URL is absolute on the site's origin, or None."""
    if not file:
        return None
    return Picture(urljoin(origin + "/", file.url), images.media_type(file.name))


def find(site, name, *, ignore_case=False):
    """
    Return the actor ``name`` served on ``site``'s host, or None when there is none.

    Raises ``ActorGone`` for a member whose account was deactivated.
    """
    if (name.lower() if ignore_case else name) == site:
        return site_actor(site)
    if site != USER_SITE:
        return None
    found = _member(name, ignore_case=True) if ignore_case else _remembered_member(name)
    if found == GONE:
        raise ActorGone(name)
    return found


def find_by_handle(user, host):
    """Return our actor ``user@host`` (``host`` None: a member), or None, gone members included."""
    site = site_for_host(host) if host else get_site(USER_SITE)
    if site is None:
        return None
    try:
        return find(site.name, user, ignore_case=True)
    except ActorGone:
        return None


GONE = "gone"  # a deactivated member, as remembered (a value that survives the cache's pickling)
REMEMBER_FOR = 60
_UNSEEN = object()


def _remembered(key, load):
    """
    Return ``load()`` as this process saw it less than ``REMEMBER_FOR`` seconds ago.

    Peers fetch actors on every delivery they verify; a query each time would halve the throughput
    of the actor document. A change to an actor (a member's new name, a deactivation, their follow
    policy; a site's profile saved in another process) is therefore served within a minute.
    """
    found = caches["process"].get(key, _UNSEEN)
    if found is _UNSEEN:
        found = load()
        caches["process"].set(key, found, REMEMBER_FOR)
    return found


def _remembered_member(name):
    """Return ``_member(name)``, remembered (unknown names too)."""
    return _remembered(f"federation:member:{name}", lambda: _member(name))


def forget_member(name):
    """Drop this process's remembered actor of member ``name`` (after a change of theirs)."""
    caches["process"].delete(f"federation:member:{name}")


def _member(name, *, ignore_case=False):
    """Return the member's actor, ``GONE`` for a deactivated member, or None."""
    lookup = {"username__iexact" if ignore_case else "username": name}
    member = (
        get_user_model()
        .objects.filter(**lookup)
        .only(
            "username",
            "first_name",
            "last_name",
            "display_name",
            "bio",
            "avatar",
            "discoverable",
            "show_follows",
            "is_active",
        )
        .first()
    )
    if member is None:
        return None
    if not member.is_active:
        return GONE
    return member_actor(member, approves_manually=follow_policy.approves_manually(member.username))


def as_activitystreams(actor, keys):
    """
    Return the ActivityStreams document (Mastodon-compatible); ``publicKey`` is the signing key.

    ``icon`` and ``image`` (the header) appear when the actor has them; profile fields are an
    ``attachment`` of ``PropertyValue`` (schema.org terms, hence the extra context).
    """
    actor_id = actor.id
    signing = keys[-1]
    document = {
        "@context": [*ACTOR_CONTEXT, PROPERTY_VALUE_CONTEXT] if actor.fields else ACTOR_CONTEXT,
        "id": actor_id,
        "type": actor.kind,
        "preferredUsername": actor.username,
        "name": actor.display_name,
        "summary": actor.summary_html,
        "url": actor_id,
        "inbox": actor.inbox,
        "outbox": actor.outbox,
        "followers": actor_id + "/followers",
        "following": actor_id + "/following",
        "endpoints": {"sharedInbox": actor.shared_inbox},
        "manuallyApprovesFollowers": actor.approves_manually,
        "discoverable": actor.discoverable,
        "publicKey": {"id": actor.key_id(signing), "owner": actor_id, "publicKeyPem": signing.public_key_pem},
    }
    if actor.icon:
        document["icon"] = actor.icon.as_activitystreams()
    if actor.image:
        document["image"] = actor.image.as_activitystreams()
    if actor.fields:
        document["attachment"] = [
            {"type": "PropertyValue", "name": field.name, "value": field.value_html} for field in actor.fields
        ]
    return document


def as_actor_doc(actor, keys):
    """Return the compact Rose Ash actor document (format described in docs/federation.md)."""
    document = {
        "version": ACTOR_DOC_VERSION,
        "id": actor.id,
        "type": actor.kind,
        "handle": actor.handle,
        "name": actor.display_name,
        "summary": actor.summary,
        "inbox": actor.inbox,
        "shared_inbox": actor.shared_inbox,
        "outbox": actor.outbox,
        "signing_key": actor.key_id(keys[-1]),
        "public_keys": [
            {
                "id": actor.key_id(key),
                "algorithm": ALGORITHM,
                "pem": key.public_key_pem,
                "created": key.created.isoformat(),
            }
            for key in keys
        ],
    }
    if actor.icon:
        document["icon"] = actor.icon.url
    return document
