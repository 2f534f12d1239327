"""
Background work: fetching peers' actors (``fetch`` queue), processing what inboxes stored
(``inbox``), expanding and delivering what we send (``delivery``), and the sweep behind them.
Queues are chosen by task name in settings ``CELERY_TASK_ROUTES``.
"""

import random
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
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


@shared_task(name="federation.process_inbound")
def process_inbound(activity_id, attempt=1):
    """
    Handle one stored inbound activity, named by its id URL (idempotent: a processed row is left alone).

    When something it needs could not be fetched yet (the row stays ``pending``), it is tried again
    after the delivery backoff; the row's attempts bound the tries (``handlers.FETCH_ATTEMPTS``). The
    task queues its next try itself rather than raising for a retry, so a server running tasks eagerly
    (development) still answers the inbox POST with its 202.
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
    Requeue what an on-commit task or a killed worker left: inbound activities not processed (or
    waiting to fetch what they need, and not tried for a while), outbound ones not expanded,
    deliveries due. Every task it queues is idempotent.
    """
    now = timezone.now()
    settled = now - SWEEP_GRACE
    pending = APActivity.objects.filter(state=APActivity.State.PENDING, created__lt=settled)
    untried = Q(processed_at__isnull=True) | Q(processed_at__lt=now - SWEEP_WAITING_GRACE)
    inbound = list(pending.inbound().filter(untried).values_list("activity_id", flat=True)[:limit])
    outbound = list(pending.outbound().values_list("pk", flat=True)[:limit])
    due = list(
        Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for activity_id in inbound:
        process_inbound.delay(activity_id)
    for pk in outbound:
        expand_outbound.delay(pk)
    for pk in due:
        deliver.delay(pk)
    return {"inbound": len(inbound), "outbound": len(outbound), "deliveries": len(due)}
