"""
``lookup_or_fetch``: peer actors from the cache, the ``PeerActor`` table, or the network, in that order.

- Warm: a good state this process used within ``MEMORY_TTL`` seconds comes from its own memory
  (the inbox's hot path: no Redis round trip); otherwise one cache read (Redis in production), no
  SQL, no request to the peer.
- Cold or stale: the row if fresh, else a fetch whose good result is stored and cached until the
  row goes stale.
- Failure: cached for ``NEGATIVE_TTL`` seconds so a dead peer is not asked on every lookup; when a
  transient failure hits a peer we knew, the last good state is served meanwhile.
- Breaker: ``BREAKER_THRESHOLD`` transient failures of one host within ``BREAKER_WINDOW`` open its
  breaker for ``BREAKER_OPEN_FOR`` seconds, during which nothing is sent to that host.
"""

import hashlib
from urllib.parse import urlsplit

from django.core.cache import cache, caches
from django.utils import timezone

from apps.core import counting

from ..models import PEER_FRESH_FOR, PeerActor
from .discovery import PEER_NAME, actor_url_for, fetch
from .outcomes import ActorState, PublicKey, TransportError

NEGATIVE_TTL = 60
BREAKER_THRESHOLD = 5
BREAKER_WINDOW = 600
BREAKER_OPEN_FOR = 300
PREFIX = "federation:peer:"
MEMORY_TTL = 60  # seconds a process trusts its own copy of a good state (others' refetches reach it after this)


class _Memory:
    """
    This process's copies of good peer states, for ``MEMORY_TTL`` seconds (``caches["process"]``).

    A Redis ``GET`` with its unpickling costs the inbox more than the RSA verification (a Redis
    client object is built per call). Only good states are kept, briefly: a refetch or
    ``forget_peer`` in this process drops them at once; one made elsewhere (an ``Update`` of the
    actor handled by a worker) reaches this process within ``MEMORY_TTL`` seconds, and the inbox
    asks the shared cache again before refetching when a signature fails with a remembered key.
    The process cache takes the target as it is (no hashing, as for Redis's keys): our own key.
    """

    @staticmethod
    def recall(target):
        return caches["process"].get(PREFIX + target)

    @staticmethod
    def keep(targets, state):
        if state.ok:
            caches["process"].set_many({PREFIX + target: state for target in targets if target}, MEMORY_TTL)

    @staticmethod
    def drop(targets):
        caches["process"].delete_many([PREFIX + target for target in targets if target])


def forget_remembered(target):
    """Drop this process's copy of ``target``'s state, so the next lookup reads the shared cache."""
    _Memory.drop([target])


def _key(target):
    return PREFIX + hashlib.sha256(target.strip().encode()).hexdigest()[:40]


def _host(url):
    return urlsplit(url).netloc.lower()


def state_of(row):
    """Return the ``ActorState`` a stored row holds."""
    return ActorState(
        id=row.actor_url,
        inbox=row.inbox,
        shared_inbox=row.shared_inbox,
        public_keys=tuple(PublicKey(**key) for key in row.public_keys),
        handle=row.handle,
        name=row.name,
        format=row.document_format,
        followers=row.followers_url,
    )


def _fresh_seconds(row):
    left = (row.fetched_at + PEER_FRESH_FOR - timezone.now()).total_seconds()
    return max(int(left), 1)


def breaker_open(host):
    return bool(cache.get(f"federation:breaker:open:{host}"))


def guarded_fetch(url, fetcher=fetch):
    """
    ``fetcher(url)`` (an actor ``fetch`` by default, or ``discovery.fetch_object``) unless the host's
    breaker is open; count transient failures towards opening it.
    """
    host = _host(url)
    if breaker_open(host):
        return TransportError(url, f"{host} failed repeatedly; not asking it for {BREAKER_OPEN_FOR}s (breaker open)")
    outcome = fetcher(url)
    if outcome.transient:
        record_failure(host)
    else:
        record_success(host)
    return outcome


def record_failure(host):
    """Count a transient failure of ``host`` (fetch or delivery); enough of them open its breaker."""
    failures_key = f"federation:breaker:failures:{host}"
    if counting.hit(failures_key, BREAKER_WINDOW) >= BREAKER_THRESHOLD:
        cache.set(f"federation:breaker:open:{host}", True, BREAKER_OPEN_FOR)
        cache.delete(failures_key)


def record_success(host):
    """``host`` answered: its count of failures starts again."""
    cache.delete(f"federation:breaker:failures:{host}")


def _store(url, state, peer_name):
    now = timezone.now()
    defaults = {
        "handle": state.handle,
        "name": state.name,
        "inbox": state.inbox,
        "shared_inbox": state.shared_inbox,
        "public_keys": [key.as_dict() for key in state.public_keys],
        "document_format": state.format,
        "followers_url": state.followers,
        "fetched_at": now,
        "last_attempt_at": now,
        "failures": 0,
        "last_error": "",
    }
    if peer_name:
        defaults["peer_name"] = peer_name
    row, _created = PeerActor.objects.update_or_create(actor_url=url, defaults=defaults)
    return row


def _record_failure(url, outcome):
    """Count the failure on a row we already have; failures of unknown actors are not stored."""
    row = PeerActor.objects.filter(actor_url=url).first()
    if row is not None:
        row.failures += 1
        row.last_attempt_at = timezone.now()
        row.last_error = outcome.describe()[:500]
        row.save(update_fields=["failures", "last_attempt_at", "last_error"])
    return row


def _cache_state(targets, state, ttl):
    _Memory.drop(targets)
    cache.set_many({_key(target): state for target in targets if target}, ttl)


def _refresh(target, url):
    """
    Fetch ``url`` now, store or count the outcome, cache it under ``target``, and return it with the row.

    A good state is stored under the actor's id, which is not ``url`` when ``url`` is an alias (a
    profile URL, see ``discovery.fetch``); it is cached under the target, the URL and the id alike,
    so that asking again by any of them costs no request.
    """
    outcome = guarded_fetch(url)
    if outcome.ok:
        peer_name = target if PEER_NAME.match(target) else ""
        row = _store(outcome.id, outcome, peer_name)
        _cache_state({target, url, outcome.id}, outcome, _fresh_seconds(row))
        return outcome, row
    row = _record_failure(url, outcome)
    _Memory.drop([target, url])
    cache.set(_key(target), outcome, NEGATIVE_TTL)
    return outcome, row


def refresh_peer(target):
    """Fetch ``target``'s actor now, whatever the cache holds, and return the outcome of that fetch."""
    _Memory.drop([target])
    url = actor_url_for(target)
    if not isinstance(url, str):
        cache.set(_key(target), url, NEGATIVE_TTL)
        return url
    return _refresh(target, url)[0]


def lookup_or_fetch(target, *, refresh=False):
    """Return the ``FetchOutcome`` for ``target`` (peer name, actor URL or ``acct:user@host``)."""
    if refresh:
        return refresh_peer(target)
    found = _Memory.recall(target)
    if found is not None:
        return found
    found = cache.get(_key(target))
    if found is not None:
        _Memory.keep([target], found)
        return found
    url = actor_url_for(target)
    if not isinstance(url, str):
        cache.set(_key(target), url, NEGATIVE_TTL)
        return url
    row = PeerActor.objects.filter(actor_url=url).first()
    if row is not None and not row.is_stale:
        state = state_of(row)
        _cache_state({target, url}, state, _fresh_seconds(row))
        return state
    outcome, _row = _refresh(target, url)
    if not outcome.ok and outcome.transient and row is not None:
        state = state_of(row)  # the peer is down for now: its last good state beats nothing
        cache.set(_key(target), state, NEGATIVE_TTL)
        return state
    return outcome


def forget_peer(row):
    """Delete a stored peer and its cache entries (by URL, peer name and handle)."""
    targets = {row.actor_url, row.peer_name, f"acct:{row.handle}" if row.handle else ""}
    _Memory.drop(targets)
    cache.delete_many([_key(target) for target in targets if target])
    row.delete()
