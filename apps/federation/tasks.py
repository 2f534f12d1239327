"""
Background work: fetching peers' actors (``fetch`` queue) and the sweeps that requeue what was
left. Processing what inboxes stored (``inbox`` queue) and expanding and delivering what we send
(``delivery``) are tasks beside the work they wrap, in ``inbound.processing`` and
``outbound.outbox``; this module imports them so that Celery's autodiscovery registers them.
Queues are chosen by task name in settings ``CELERY_TASK_ROUTES``.
"""

import random
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services
from .inbound.processing import process_inbound, process_pending_inbound
from .models import APActivity, Delivery, PeerActor
from .outbound.outbox import deliver, expand_outbound

__all__ = [
    "deliver",
    "enqueue_refresh",
    "expand_outbound",
    "fetch_peer_actor",
    "process_inbound",
    "process_pending_inbound",
    "queue_work",
    "refresh_stale_peers",
    "sweep_activities",
]

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


SWEEP_GRACE = timedelta(seconds=60)  # rows younger than this are still in their on-commit task's hands
# An inbound row tried this recently waits for its task's own next try (the longest backoff is ~12 min).
SWEEP_WAITING_GRACE = timedelta(minutes=15)
SWEEP_LIMIT = 1000


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
