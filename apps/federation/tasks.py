"""Background work on the ``fetch`` queue: fetch one peer's actor, and sweep the stale ones."""

import random

from celery import shared_task

from . import services
from .models import PeerActor

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
