"""
Receiving activities: the checks an inbox POST passes before anything is stored.

In order, each refusal costing as little as possible: the body's size (413), its JSON (400), the
signature's form, Digest and date (401, ``signatures.inspect``, no key needed), an unknown actor's
self-Delete (202, nothing fetched or stored), the signer's key from the peer cache, the signature
itself with one refetch of the actor when it fails (a rotated key; limited per peer), and the key's
owner being the activity's actor (401). Only then is the activity stored, once per id, and
processing queued on commit. Whatever a peer sends is either stored or refused with ``Refused``
(a 4xx, its code and why); nothing else is raised.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import DataError, transaction

from apps.core.errors import RoseAshError
from apps.core.outbound import http_client

from .. import actors
from ..models import APActivity, PeerActor
from ..peers.directory import forget_remembered, lookup_or_fetch
from ..signing.signatures import SignatureError, inspect, verify
from ..vocabulary import id_of
from . import intake
from .processing import kick_inbound_processing

MAX_BODY = 262_144  # Mastodon takes 1 MB, Takahe 50 KB; a Note with its tags fits well within this
MAX_DEPTH = 24
MAX_URL = 500
REFETCH_WINDOW = 300  # seconds: at most one refetch of a peer's actor for a failed signature per window


class Refused(RoseAshError):
    """The inbox refuses the POST: ``status`` is 4xx, ``code`` and ``message`` tell the peer's operator why."""


def _refuse(status, code, message):
    return Refused(code, message, status=status)


def _depth(value):
    """Return how deeply ``value`` nests, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _http_host(value):
    """Return the host of an http(s) URL, or None for anything else."""
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts.hostname if parts is not None and parts.scheme in ("http", "https") else None


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse(body):
    """
    Return the activity the body holds, or raise ``Refused``.

    NaN and Infinity, which Python's parser takes, are not JSON (nor can a database's JSON hold
    them): refused too, so that the body can be stored as it came (``store``).
    """
    try:
        activity = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(400, "json_invalid", "The body is not UTF-8 JSON.") from None
    if not isinstance(activity, dict):
        raise _refuse(400, "json_invalid", "The body is not a JSON object.")
    if _depth(activity) > MAX_DEPTH:
        raise _refuse(400, "json_too_deep", f"The JSON nests deeper than {MAX_DEPTH} levels.")
    actor, activity_id = id_of(activity.get("actor")), activity.get("id")
    id_host, actor_host = _http_host(activity_id), _http_host(actor)
    if not isinstance(activity.get("type"), str) or not id_host or not actor_host:
        raise _refuse(400, "activity_invalid", "An activity needs a type, and http(s) URLs as id and actor.")
    if len(activity_id) > MAX_URL or len(actor) > MAX_URL:
        raise _refuse(400, "activity_invalid", f"Ids longer than {MAX_URL} characters are not accepted.")
    if id_host != actor_host:
        raise _refuse(400, "activity_foreign_id", "The activity's id is not on its actor's host.")
    return activity


def _is_unknown_self_delete(activity, actor_url):
    """A peer announcing that an actor we never knew is deleted: nothing to fetch, nothing to do."""
    return (
        activity["type"] == "Delete"
        and id_of(activity.get("object")) == actor_url
        and not PeerActor.objects.filter(actor_url=actor_url).exists()
    )


def _is_ours(actor_url):
    try:
        return actors.from_url(actor_url) is not None
    except actors.ActorGone:
        return True


def _may_refetch(actor_url):
    """Allow one refetch of an actor per ``REFETCH_WINDOW`` (a failing signature must not make us a fetch loop)."""
    return cache.add(f"federation:inbox:refetch:{actor_url}", True, REFETCH_WINDOW)


def _unavailable(state):
    return _refuse(401, "actor_unavailable", f"The signer's actor could not be fetched ({state.describe()}).")


def _check(params, signed, actor_url, state):
    """Return None when the signature verifies with ``state``'s key ``params.key_id``, else the ``Refused``."""
    if state.id != actor_url:  # an alias (a profile URL) names the actor for people, never in activities
        return _refuse(401, "actor_not_id", f"{actor_url} is an alias of the actor {state.id}: name it by its id.")
    key = state.key(params.key_id)
    if key is None:
        return _refuse(401, "key_not_actors", f"The key {params.key_id} is not a key of the actor {actor_url}.")
    try:
        verify(params, signed, key.pem)
    except SignatureError as exc:
        return _refuse(401, exc.code, exc.message)
    return None


def _verify_with_actor(params, signed, actor_url):
    """
    Return None when the signature verifies with a key of ``actor_url``'s, else the refusal.

    The state used first may be this process's own copy (``cache.MEMORY_TTL``); when it fails, the
    shared cache is asked before the peer, since another process may already have refetched a
    rotated key. The peer itself is refetched at most once per ``REFETCH_WINDOW``.
    """
    state = lookup_or_fetch(actor_url)
    if not state.ok:
        return _unavailable(state)
    refusal = _check(params, signed, actor_url, state)
    if refusal is None:
        return None
    forget_remembered(actor_url)
    shared = lookup_or_fetch(actor_url)
    if shared != state and shared.ok:
        refusal = _check(params, signed, actor_url, shared)
        if refusal is None:
            return None
    if not _may_refetch(actor_url):
        return refusal
    state = lookup_or_fetch(actor_url, refresh=True)
    if not state.ok:
        return _unavailable(state)
    return _check(params, signed, actor_url, state)


def receive(post):
    """
    Check and store one inbox POST (a ``SignedRequest``, its body read up to ``MAX_BODY + 1``
    bytes); return once it is stored, or raise ``Refused``.
    """
    if len(post.body) > MAX_BODY:
        raise _refuse(413, "body_too_large", f"Inbox bodies are limited to {MAX_BODY} bytes.")
    try:
        params = inspect(post)
    except SignatureError as exc:
        raise _refuse(401, exc.code, exc.message) from None
    activity = parse(post.body)
    actor_url = id_of(activity["actor"])
    if _is_unknown_self_delete(activity, actor_url):
        return
    if _is_ours(actor_url):
        raise _refuse(401, "actor_local", "Activities of our own actors are not received from outside.")
    with http_client.within(settings.ROSEASH_INBOX_FETCH_SECONDS):  # a dripping peer holds this thread no longer
        refusal = _verify_with_actor(params, post, actor_url)
    if refusal:
        raise refusal
    store(activity, actor_url, post.body.decode())


def store(activity, actor_url, received=None):
    """
    Store a verified activity once (by id) and have it processed; raise ``Refused`` for an
    activity the database cannot hold (a number beyond its range, a lone surrogate: 400).

    ``received`` is the body as it came, stored as the payload without serialising the parsed
    activity again; without it the activity is serialised. The row is committed before this
    returns (``intake.write``: durably, ``synchronous_commit`` stays on, in one INSERT with the
    rows of the process's other requests of the moment), and a replay changes nothing.

    Only a row actually inserted asks for processing, on commit, through the batch kick
    (``processing.kick_inbound_processing``) rather than a Celery message of its own. Should the kick
    fail (Redis or the broker down), Django logs it and the 202 stands: the row is durable and the
    minutely sweep processes it.
    """
    object_id = id_of(activity.get("object")) or ""
    values = (
        activity["id"],
        APActivity.Direction.IN.value,
        activity["type"][:40],
        actor_url,
        object_id if len(object_id) <= MAX_URL else "",
        received if received is not None else json.dumps(activity),  # JSON text, cast by the column
    )
    try:
        inserted = intake.write(values)
    except DataError:
        raise _refuse(400, "activity_unstorable", "The activity holds a value the database cannot store.") from None
    if inserted:
        transaction.on_commit(kick_inbound_processing, robust=True)
