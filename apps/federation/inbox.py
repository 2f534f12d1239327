"""
Receiving activities: the checks an inbox POST passes before anything is stored.

In order, each refusal costing as little as possible: the body's size (413), its JSON (400), the
signature's form, Digest and date (401, ``signatures.inspect``, no key needed), an unknown actor's
self-Delete (202, nothing fetched or stored), the signer's key from the peer cache, the signature
itself with one refetch of the actor when it fails (a rotated key; limited per peer), and the key's
owner being the activity's actor (401). Only then is the activity stored, once per id, and
processing queued on commit. Nothing here raises for anything a peer can send.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import transaction

from . import actors
from .cache import lookup_or_fetch
from .models import APActivity, PeerActor
from .signatures import SignatureError, SignedRequest, inspect, verify

MAX_BODY = 262_144  # Mastodon takes 1 MB, Takahe 50 KB; a Note with its tags fits well within this
MAX_DEPTH = 24
MAX_URL = 500
REFETCH_WINDOW = 300  # seconds: at most one refetch of a peer's actor for a failed signature per window


@dataclass(frozen=True)
class Outcome:
    """The inbox's answer: a status, and for refusals a code and a reason for the peer's operator."""

    status: int
    code: str = "accepted"
    message: str = ""


ACCEPTED = Outcome(202)


def _refuse(status, code, message):
    return Outcome(status, code, message)


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


def id_of(value):
    """Return the id of an embedded object or the string itself (``None`` for anything else)."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _http_url(value):
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname)


def parse(body):
    """Return ``(activity, None)`` or ``(None, Outcome)`` refusing the body."""
    try:
        activity = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, _refuse(400, "json_invalid", "The body is not UTF-8 JSON.")
    if not isinstance(activity, dict):
        return None, _refuse(400, "json_invalid", "The body is not a JSON object.")
    if _depth(activity) > MAX_DEPTH:
        return None, _refuse(400, "json_too_deep", f"The JSON nests deeper than {MAX_DEPTH} levels.")
    actor, activity_id = id_of(activity.get("actor")), activity.get("id")
    if not isinstance(activity.get("type"), str) or not _http_url(activity_id) or not _http_url(actor):
        return None, _refuse(400, "activity_invalid", "An activity needs a type, and http(s) URLs as id and actor.")
    if len(activity_id) > MAX_URL or len(actor) > MAX_URL:
        return None, _refuse(400, "activity_invalid", f"Ids longer than {MAX_URL} characters are not accepted.")
    if urlsplit(activity_id).hostname != urlsplit(actor).hostname:
        return None, _refuse(400, "activity_foreign_id", "The activity's id is not on its actor's host.")
    return activity, None


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


def _verify_with_actor(params, signed, actor_url):
    """Return None when the signature verifies with a key of ``actor_url``'s, else the refusal."""
    state = lookup_or_fetch(actor_url)
    for attempt in ("cached", "refetched"):
        if not state.ok:
            return _refuse(401, "actor_unavailable", f"The signer's actor could not be fetched ({state.describe()}).")
        key = state.key(params.key_id)
        if key is not None:
            try:
                verify(params, signed, key.pem)
                return None
            except SignatureError as exc:
                error = _refuse(401, exc.code, exc.message)
        else:
            error = _refuse(401, "key_not_actors", f"The key {params.key_id} is not a key of the actor {actor_url}.")
        if attempt == "refetched" or not _may_refetch(actor_url):
            return error
        state = lookup_or_fetch(actor_url, refresh=True)
    return error


def receive(request, recipient=None):
    """
    Check and store one inbox POST; return the ``Outcome`` to answer with.

    ``recipient`` is the local actor of a personal inbox (None for the shared inbox).
    """
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY:
        return _refuse(413, "body_too_large", f"Inbox bodies are limited to {MAX_BODY} bytes.")
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return _refuse(413, "body_too_large", f"Inbox bodies are limited to {MAX_BODY} bytes.")
    signed = SignedRequest.build(request.method, request.get_full_path(), dict(request.headers), body)
    try:
        params = inspect(signed)
    except SignatureError as exc:
        return _refuse(401, exc.code, exc.message)
    activity, refusal = parse(body)
    if refusal:
        return refusal
    actor_url = id_of(activity["actor"])
    if _is_unknown_self_delete(activity, actor_url):
        return ACCEPTED
    if _is_ours(actor_url):
        return _refuse(401, "actor_local", "Activities of our own actors are not received from outside.")
    refusal = _verify_with_actor(params, signed, actor_url)
    if refusal:
        return refusal
    store(activity, actor_url)
    return ACCEPTED


def store(activity, actor_url):
    """
    Store a verified activity once (by id) and queue its processing; a replay changes nothing.

    One ``INSERT ... ON CONFLICT DO NOTHING``: no transaction to open, no error to recover from on
    a replay (whose task then finds nothing pending). The inbox's throughput is mostly this write.
    """
    from .tasks import process_inbound

    object_id = id_of(activity.get("object")) or ""
    row = APActivity(
        activity_id=activity["id"],
        direction=APActivity.Direction.IN,
        type=activity["type"][:40],
        actor_url=actor_url,
        object_id=object_id if len(object_id) <= MAX_URL else "",
        payload=activity,
    )
    APActivity.objects.bulk_create([row], ignore_conflicts=True)
    transaction.on_commit(lambda: process_inbound.delay(row.activity_id))
