"""
Background work: fetching peers' actors (``fetch`` queue), processing what inboxes stored
(``inbox``), expanding and delivering what we send (``delivery``), and the sweep behind them.
Queues are chosen by task name in settings ``CELERY_TASK_ROUTES``.
"""

import random
import time
from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from . import handlers, outbox, services
from .models import APActivity, Delivery, PeerActor

SWEEP_BATCH = 500
SWEEP_SPREAD = 3000  # seconds: the hourly sweep's fetches are spread over most of the hour


class TransientFetchFailure(Exception):
    """The peer may answer later (transport error, 5xx, 429): the task is retried with backoff."""


@shared_task(name="federation.fetch_peer_actor", autoretry_for=(TransientFetchFailure,))
def fetch_peer_actor(target):
    """Fetch ``target``'s actor now and store it; retry what may pass, not 4xx or bad documents."""
    outcome = services.refresh_peer(target)
    if outcome.transient:
        raise TransientFetchFailure(f"{target}: {outcome.describe()}")
    return outcome.describe()


def enqueue_refresh(actor_urls, spread=0):
    """Queue a fetch of each actor, each after a random delay of up to ``spread`` seconds."""
    for url in actor_urls:
        fetch_peer_actor.apply_async((url,), countdown=random.uniform(0, spread) if spread else None)  # noqa: S311


@shared_task(name="federation.refresh_stale_peers")
def refresh_stale_peers(batch=SWEEP_BATCH, spread=SWEEP_SPREAD):
    """Queue refetches of the stalest peers, jittered so peers are not all asked at the same moment."""
    urls = list(PeerActor.objects.stale().order_by("fetched_at").values_list("actor_url", flat=True)[:batch])
    enqueue_refresh(urls, spread)
    return len(urls)


# --- Federation II: inbox processing (``inbox`` queue) and delivery (``delivery`` queue) ---

SWEEP_GRACE = timedelta(seconds=60)  # rows younger than this are still in their on-commit task's hands
# An inbound row tried this recently waits for its task's own next try (the longest backoff is ~12 min).
SWEEP_WAITING_GRACE = timedelta(minutes=15)
SWEEP_LIMIT = 1000


KICK_KEY = "federation:inbox:kick"
KICK_WINDOW = 1  # seconds: at most one batch is queued per window, so an accepted activity waits about this long
KICK_MARGIN = 0.25  # seconds: the batch starts this long after the window closes (clocks of web and worker)
BATCH_CHUNK = 100
BATCH_LIMIT = 2000  # rows per batch task; a longer backlog is handed on to the next task


class _KickWindow:
    """
    Until when (``time.monotonic()``) a batch already queued covers this process's new rows, shared by its threads.

    Within it this process needs neither the broker nor Redis. A race between threads costs at most
    one more ``cache.add``.
    """

    until = 0.0


def kick_inbound_processing():
    """
    Make sure a batch will process the inbound rows committed so far; called on each row's commit.

    Instead of one Celery message per activity (the inbox's dearest step after its INSERT), the
    first commit of a window wins ``KICK_KEY`` (``cache.add``, shared by every process, expiring
    with the window) and queues ``process_pending_inbound`` to start ``KICK_MARGIN`` after the
    window closes; commits within the window, here or in any process, are covered by that batch.
    The batch consumes the kick as it starts, so a row committed later kicks again.

    The winner then keeps off Redis for its whole window. A process that lost the ``add`` does not
    know when the winner's window opened, only that it did less than ``KICK_WINDOW`` ago (the key
    expires with it), so that the batch starts no sooner than ``KICK_MARGIN`` from now: it keeps off
    for half of that, the other half for the clocks of web and worker. Without this, every row of
    every process but one would ask Redis. A kick lost to a failed publish only delays its rows:
    the key expires and the minutely sweep finds what is pending.
    """
    now = time.monotonic()
    if now < _KickWindow.until:
        return
    if not cache.add(KICK_KEY, True, KICK_WINDOW):
        _KickWindow.until = now + KICK_MARGIN / 2
        return
    _KickWindow.until = now + KICK_WINDOW  # before publishing: an eager batch consumes it at once
    try:
        process_pending_inbound.apply_async(countdown=KICK_WINDOW + KICK_MARGIN)
    except Exception:
        _KickWindow.until = 0.0  # nothing was queued: this process's next row tries again
        raise


def consume_kick():
    """A batch is starting: rows committed from now on need a kick of their own."""
    _KickWindow.until = 0.0
    cache.delete(KICK_KEY)


@shared_task(name="federation.process_pending_inbound")
def process_pending_inbound(limit=BATCH_LIMIT):
    """
    Process every inbound activity not yet tried, in id order (the order they were accepted), each in its
    own transaction as ``handlers.process`` does, and return how many were taken.

    Batches that overlap share the work by actor (``ordering``): an actor another worker holds is
    passed over for the rest of this pass, since the holder comes to its later activities in the
    same order; a row another batch has just handled is passed over too (``process`` takes only
    pending rows). More than ``limit`` rows are handed on to a new batch rather than keeping one
    task past its time limit.
    """
    consume_kick()
    taken, after, busy = 0, 0, set()
    # Rows already tried and waiting to fetch what they need keep their own backoff (process_inbound).
    pending = APActivity.objects.inbound().filter(state=APActivity.State.PENDING, processed_at__isnull=True)
    pending = pending.order_by("pk").values_list("pk", "activity_id", "actor_url")
    while taken < limit:
        chunk = list(pending.filter(pk__gt=after)[: min(BATCH_CHUNK, limit - taken)])
        if not chunk:
            return taken
        for _pk, activity_id, actor_url in chunk:
            if actor_url in busy:
                continue
            state = handlers.process(activity_id, wait_for_actor=False)
            if state == handlers.ACTOR_BUSY:
                busy.add(actor_url)
            elif state == APActivity.State.PENDING:
                # Waiting to fetch what it needs: its own task tries again after the backoff.
                process_inbound.apply_async((activity_id, 2), countdown=outbox.backoff(1))
        taken, after = taken + len(chunk), chunk[-1][0]
    process_pending_inbound.delay(limit)
    return taken


@shared_task(name="federation.process_inbound")
def process_inbound(activity_id, attempt=1):
    """
    Handle one stored inbound activity, named by its id URL (idempotent: a processed row is left alone).

    Fresh activities are handled in batches (``process_pending_inbound``); this task serves the rows
    that wait to fetch what they need (and the admin's retry). Such a row stays ``pending`` and is
    tried again after the delivery backoff, its attempts bounding the tries
    (``handlers.FETCH_ATTEMPTS``). The task queues its next try itself rather than raising for a
    retry, so a server running tasks eagerly (development) still answers the inbox POST with its 202.
    """
    state = handlers.process(activity_id)
    if state == APActivity.State.PENDING:
        process_inbound.apply_async((activity_id, attempt + 1), countdown=outbox.backoff(attempt))
    return state


@shared_task(name="federation.expand_outbound")
def expand_outbound(activity_pk):
    """Expand one outbound activity into deliveries and queue each."""
    ids = outbox.expand(activity_pk)
    for delivery_pk in ids:
        deliver.delay(delivery_pk)
    return len(ids)


@shared_task(name="federation.deliver")
def deliver(delivery_pk):
    """POST one delivery; a retryable failure queues the next attempt after its backoff."""
    state, delay = outbox.deliver(delivery_pk)
    if delay is not None:
        deliver.apply_async((delivery_pk,), countdown=delay)
    return state


@shared_task(name="federation.sweep_activities")
def sweep_activities(limit=SWEEP_LIMIT):
    """
    Requeue what an on-commit task or a killed worker left: inbound activities never tried (one batch
    takes them all) or waiting to fetch what they need and not tried for a while (each to its own
    task), outbound ones not expanded, deliveries due. Every task it queues is idempotent.
    """
    now = timezone.now()
    settled = now - SWEEP_GRACE
    pending = APActivity.objects.filter(state=APActivity.State.PENDING, created__lt=settled)
    untried = pending.inbound().filter(processed_at__isnull=True).count()
    waiting = list(
        pending.inbound()
        .filter(processed_at__lt=now - SWEEP_WAITING_GRACE)
        .values_list("activity_id", flat=True)[:limit]
    )
    outbound = list(pending.outbound().values_list("pk", flat=True)[:limit])
    due = list(
        Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if untried:
        process_pending_inbound.delay()
    queue_work(inbound=waiting, outbound=outbound, deliveries=due)
    return {"inbound": untried + len(waiting), "outbound": len(outbound), "deliveries": len(due)}


def queue_work(*, inbound=(), outbound=(), deliveries=()):
    """Send one task per inbound activity id, outbound activity pk and delivery pk (all idempotent)."""
    for activity_id in inbound:
        process_inbound.delay(activity_id)
    for pk in outbound:
        expand_outbound.delay(pk)
    for pk in deliveries:
        deliver.delay(pk)
