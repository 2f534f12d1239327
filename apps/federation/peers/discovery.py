"""
Finding a peer's actor and reading its document, with every check the reference asks for.

``actor_url_for`` turns a target (a peer name, an actor URL or ``acct:user@host``) into the URL of
its actor document. ``fetch`` GETs that URL and returns one ``FetchOutcome``; ``fetch_object`` GETs
any other ActivityStreams object by the same rules; neither raises for anything a peer can do.
"""

import json
import re
from urllib.parse import urldefrag, urlencode, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.utils.module_loading import import_string

from apps.core.outbound import http_client
from apps.core.sites import site_for_host

from ..signing.keys import ALGORITHM
from ..vocabulary import ACTIVITY_JSON, ACTOR_DOC, AS_CONTEXT, LD_JSON_AS
from .outcomes import (
    ActorState,
    BadActorDoc,
    BadObject,
    FetchedObject,
    HttpStatus,
    NoPeerUrl,
    PublicKey,
    TransportError,
)

ACCEPT = f"{ACTOR_DOC}, {ACTIVITY_JSON};q=0.9, {LD_JSON_AS};q=0.9"
OBJECT_ACCEPT = f"{ACTIVITY_JSON}, {LD_JSON_AS}"
WEBFINGER_ACCEPT = "application/jrd+json, application/json;q=0.9"
PEER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
HANDLE = re.compile(r"^@?([^@\s/]+)@([^@\s/]+)$")
MIN_KEY_BITS = 2048


class _Invalid(Exception):
    """A document failed a check; the message is the reason an operator reads."""


def peer_map_url(name):
    """Return the actor URL of peer ``name`` from the static map or the resolver, or None."""
    base = settings.ROSEASH_FEDERATION_PEERS.get(name)
    if base is None and settings.ROSEASH_FEDERATION_PEER_RESOLVER:
        base = import_string(settings.ROSEASH_FEDERATION_PEER_RESOLVER)(name)
    if not base:
        return None
    return f"{base.rstrip('/')}/actors/{name}"


def actor_url_for(target):
    """Return the actor URL ``target`` names, or a ``FetchOutcome`` failure saying why there is none."""
    target = target.strip()
    if urlsplit(target).scheme in ("http", "https"):
        return target
    handle = HANDLE.match(target.removeprefix("acct:"))
    if handle:
        return _webfinger(*handle.groups())
    if PEER_NAME.match(target):
        url = peer_map_url(target)
        if url:
            return url
        return NoPeerUrl(target, f"{target!r} is not in ROSEASH_FEDERATION_PEERS and no resolver knows it")
    return NoPeerUrl(target, f"{target!r} is neither a peer name, an actor URL nor acct:user@host")


def _webfinger_origin(host):
    """Our own hosts are asked at their configured origin (dev ports included); others over https."""
    ours = site_for_host(host)
    return ours.origin if ours else f"https://{host}"


def _webfinger(user, host):
    resource = f"acct:{user}@{host}"
    url = f"{_webfinger_origin(host)}/.well-known/webfinger?{urlencode({'resource': resource})}"
    try:
        answer = http_client.get(url, headers={"Accept": WEBFINGER_ACCEPT}, max_bytes=64 * 1024)
    except http_client.HttpClientError as exc:
        return TransportError(
            url, f"WebFinger: {exc.reason}", retryable=not isinstance(exc, http_client.AddressRefused)
        )
    if answer.status != 200:
        return NoPeerUrl(resource, f"WebFinger at {host} answered {answer.status}")
    try:
        jrd = json.loads(answer.content)
        links = jrd["links"]
        for link in links:
            media_type = link.get("type", "").split(";", 1)[0].strip()
            if link.get("rel") == "self" and media_type in (ACTIVITY_JSON, "application/ld+json"):
                href = link.get("href", "")
                if urlsplit(href).scheme in ("http", "https"):
                    return href
    except (ValueError, TypeError, KeyError, AttributeError):
        return NoPeerUrl(resource, f"WebFinger at {host} sent no readable JRD")
    return NoPeerUrl(resource, f"WebFinger at {host} names no ActivityPub actor for {resource}")


def fetch(url):
    """
    GET the actor document at ``url`` and return its ``ActorState`` or the reason there is none.

    ``url`` may be an alias of the actor on its own host, such as the profile URL a browser shows
    (``https://takahe.example/@bob/`` for ``https://takahe.example/@bob@takahe.example/``): when
    the document's ``id`` is another URL on the same host, the document at that id is fetched and
    used if its own ``id`` is that URL (Mastodon's rule; one alias, never a chain). The state's
    ``id`` is then the actor's real id, not ``url``.
    """
    return _fetch_json(url, ACCEPT, _actor_reader, BadActorDoc, follow_alias=True)


def fetch_object(url):
    """
    GET the ActivityStreams object at ``url`` (a note a peer announced, say) and return a
    ``FetchedObject`` or the reason there is none. Only the checks every document passes are made
    here (Content-Type, a JSON object, ``id`` equal to ``url``); what the object must be is the caller's.
    """
    return _fetch_json(url, OBJECT_ACCEPT, _object_reader, BadObject)


def _fetch_json(url, accept, reader_for, bad, *, follow_alias=False, alias=None):
    """
    GET ``url`` through the one outbound client (its address checks and limits; same-host redirects
    only) and return what ``reader_for(answer)(id, document)`` makes of the JSON object, once its
    ``id`` is checked to be the URL asked for; a failure is an outcome, ``bad(url, reason)`` for a
    document failing a check. Nothing a peer can do raises.

    With ``follow_alias``, a document whose ``id`` is another URL on ``url``'s host sends the fetch
    on to that id, once (``alias`` is then the URL first asked, for the reason of a refusal).
    """
    try:
        answer = http_client.get(url, headers={"Accept": accept}, same_host_redirects=True)
    except http_client.BodyTooLarge as exc:
        return bad(url, exc.reason)
    except (http_client.AddressRefused, http_client.RedirectRefused) as exc:
        return TransportError(url, exc.reason, retryable=False)
    except http_client.HttpClientError as exc:
        return TransportError(url, exc.reason)
    if answer.status != 200:
        return HttpStatus(url, answer.status)
    try:
        reader = reader_for(answer)
        document = _json_object(answer)
        document_id = document.get("id")
        # The id must be the URL asked for; a same-host redirect (the client refuses others) may move it.
        if document_id not in (url, answer.url):
            if follow_alias and _same_origin(document_id, url):
                return _fetch_json(document_id, accept, reader_for, bad, alias=url)
            raise _Invalid(_not_its_id(document_id, url, alias))
        return reader(document_id, document)
    except _Invalid as exc:
        return bad(alias or url, str(exc))


def _same_origin(document_id, url):
    """Whether ``document_id`` is an http(s) URL on the scheme, host and port of ``url``."""
    if not isinstance(document_id, str):
        return False
    theirs, ours = urlsplit(document_id), urlsplit(url)
    return theirs.scheme in ("http", "https") and (theirs.scheme, theirs.netloc.lower()) == (
        ours.scheme,
        ours.netloc.lower(),
    )


def _not_its_id(document_id, url, alias):
    if alias is None:
        return f"its id {document_id!r} is not the URL fetched ({url})"
    return f"{alias} is an alias of {url}, whose id {document_id!r} is not the URL fetched either (no chains)"


def is_activitystreams(answer):
    """Whether the answer's Content-Type is ActivityStreams: activity+json, or ld+json with the AS profile."""
    media_type = answer.media_type
    return media_type == ACTIVITY_JSON or (
        media_type == "application/ld+json" and answer.media_type_params.get("profile") == AS_CONTEXT
    )


def _content_type(answer):
    return answer.headers.get("content-type", "(none)")


def _actor_reader(answer):
    if answer.media_type == ACTOR_DOC:
        return _read_actor_doc
    if is_activitystreams(answer):
        return _read_activitystreams
    raise _Invalid(f"Content-Type {_content_type(answer)!r} is not an actor document")


def _object_reader(answer):
    if not is_activitystreams(answer):
        raise _Invalid(f"Content-Type {_content_type(answer)!r} is not ActivityStreams")
    return FetchedObject


def _json_object(answer):
    try:
        document = json.loads(answer.content)
    except ValueError as exc:  # includes undecodable bytes
        raise _Invalid(f"the body is not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise _Invalid("the document is not a JSON object")
    if not _storable(document):
        raise _Invalid("the document holds U+0000 or a lone surrogate, which no database text can")
    return document


def _storable(value):
    """
    Whether every string in ``value``, keys included, can be database text.

    JSON may escape U+0000 and lone surrogates, and Python reads them, but PostgreSQL refuses them
    (and a peer that stores its data there never serves them): kept, one would fail the write of
    the peer's actor, or the note, on every request that needs it.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return False
            if not item.isascii():
                try:
                    item.encode()
                except UnicodeEncodeError:
                    return False
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _http_url(value, field, required=True):
    if value in (None, "") and not required:
        return ""
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
        raise _Invalid(f"{field} is not an http(s) URL")
    return value


def _checked_key(actor_id, key_id, pem, created=None):
    key_id = _http_url(key_id, "a key id")
    if urlsplit(key_id).netloc != urlsplit(actor_id).netloc:
        raise _Invalid(f"key {key_id} is not on the actor's host")
    try:
        public = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError, AttributeError) as exc:
        raise _Invalid(f"key {key_id} is not a PEM public key") from exc
    if not isinstance(public, rsa.RSAPublicKey) or public.key_size < MIN_KEY_BITS:
        raise _Invalid(f"key {key_id} is not an RSA key of at least {MIN_KEY_BITS} bits")
    return PublicKey(key_id, ALGORITHM, pem, created if isinstance(created, str) else None)


def _handle(username, actor_id):
    """Return ``username@host`` on the actor's own host: we never adopt a handle on another host."""
    host = urlsplit(actor_id).hostname or ""
    return f"{username}@{host}" if isinstance(username, str) and username else ""


def _claimed_handle(claimed, actor_id):
    """Return the compact document's ``user@host`` when its host is the actor's own, else ``""``."""
    match = HANDLE.match(claimed) if isinstance(claimed, str) else None
    if match and match.group(2).split(":")[0].lower() == (urlsplit(actor_id).hostname or ""):
        return _handle(match.group(1), actor_id)
    return ""


def _read_actor_doc(actor_id, document):
    if document.get("version") != 1:
        raise _Invalid(f"actor-doc version {document.get('version')!r} is not supported (1 is)")
    entries = document.get("public_keys")
    if not isinstance(entries, list) or not entries:
        raise _Invalid("public_keys is missing or empty")
    keys = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise _Invalid("a public_keys entry is not an object")
        if urldefrag(str(entry.get("id", ""))).url != actor_id or entry.get("owner", actor_id) != actor_id:
            raise _Invalid(f"key {entry.get('id')!r} does not belong to {actor_id}")
        if entry.get("algorithm") != ALGORITHM:
            raise _Invalid(f"key {entry.get('id')} has algorithm {entry.get('algorithm')!r}, not {ALGORITHM}")
        keys.append(_checked_key(actor_id, entry.get("id"), entry.get("pem"), entry.get("created")))
    return ActorState(
        id=actor_id,
        inbox=_http_url(document.get("inbox"), "inbox"),
        shared_inbox=_http_url(document.get("shared_inbox"), "shared_inbox", required=False),
        public_keys=tuple(keys),
        handle=_claimed_handle(document.get("handle"), actor_id),
        name=str(document.get("name") or ""),
        format="actor-doc",
    )


def _read_activitystreams(actor_id, document):
    entries = document.get("publicKey")
    entries = [entries] if isinstance(entries, dict) else entries
    if not isinstance(entries, list) or not entries:
        raise _Invalid("publicKey is missing")
    keys = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise _Invalid("a publicKey entry is not an object")
        if entry.get("owner") != actor_id:
            raise _Invalid(f"key {entry.get('id')!r} is owned by {entry.get('owner')!r}, not by {actor_id}")
        keys.append(_checked_key(actor_id, entry.get("id"), entry.get("publicKeyPem")))
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    username = document.get("preferredUsername")
    return ActorState(
        id=actor_id,
        inbox=_http_url(document.get("inbox"), "inbox"),
        shared_inbox=_http_url(endpoints.get("sharedInbox"), "endpoints.sharedInbox", required=False),
        public_keys=tuple(keys),
        handle=_handle(username, actor_id),
        name=str(document.get("name") or username or ""),
        format="activitystreams",
        followers=_http_url(document.get("followers"), "followers", required=False),
    )
