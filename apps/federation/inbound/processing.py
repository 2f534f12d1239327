"""
Processing what inboxes stored: each pending inbound activity is handled once, in order per actor.

``process`` handles one row: what the activity needs from the network is fetched first, outside any
transaction (``handlers.FETCHERS``), so a slow peer holds no lock; then, holding the activity's
actor (``actor_lock``) and the row, its handler runs in a transaction of its own. A failure that
may pass leaves the row ``pending`` to be tried again after a backoff; one that will not makes it
``failed``, with why; a handler's refusal makes it ``ignored``.

Fresh rows are processed in batches (``process_pending_inbound``), queued at most once a second
by the inbox's commits (``kick_inbound_processing``); rows waiting to fetch something have a task
each (``process_inbound``). The tasks live here, beside the work they wrap, so the inbox can kick
a batch without importing the tasks module.
"""

import logging
import time

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ..models import APActivity
from ..outbound import outbox
from . import actor_lock
from .handlers import FETCHERS, HANDLERS, FetchLater, GaveUp, Ignored

log = logging.getLogger(__name__)

ACTOR_BUSY = "actor busy"  # what ``process`` returns when another worker holds the activity's actor
FETCH_ATTEMPTS = 6  # tries at fetching what an activity needs (an announced note) before the row fails


def _pending(activity_id):
    return APActivity.objects.filter(
        activity_id=activity_id, direction=APActivity.Direction.IN, state=APActivity.State.PENDING
    )


def _fetch_first(row):
    """
    Fetch what the activity needs before it is handled (an announced note we do not have), outside
    any transaction, so a slow peer holds no lock; return the exception deciding the row, or None.
    """
    fetcher = FETCHERS.get(row.type)
    try:
        if fetcher is not None:
            fetcher(row.payload, row.actor_url)
    except Exception as exc:  # noqa: BLE001 (re-raised with the row locked, where it is decided and logged)
        return exc
    return None


def process(activity_id, *, wait_for_actor=True):
    """
    Handle the pending inbound activity ``activity_id`` (its id URL); return its final state, or
    ``pending`` when something it needs is to be fetched again later (see ``process_inbound``).

    The activity's actor is held while it is handled (``actor_lock``); when another worker holds it
    and ``wait_for_actor`` is False, nothing is done and ``ACTOR_BUSY`` is returned.
    """
    row = _pending(activity_id).only("type", "payload", "actor_url").first()
    if row is None:
        return None
    fetched = _fetch_first(row)
    with transaction.atomic():
        if not actor_lock.hold(row.actor_url, wait=wait_for_actor):
            return ACTOR_BUSY
        row = _pending(activity_id).select_for_update().first()
        if row is None:
            return None
        row.attempts += 1
        handler = HANDLERS.get(row.type)
        try:
            if fetched is not None:
                raise fetched
            if handler is None:
                raise Ignored(f"{row.type} activities are not handled")
            with transaction.atomic():
                handler(row.payload, row.actor_url)
            row.state, row.error = APActivity.State.DONE, ""
        except FetchLater as exc:
            if row.attempts >= FETCH_ATTEMPTS:
                log.warning("Inbound activity %s: gave up after %d attempts: %s", row.activity_id, row.attempts, exc)
                row.state, row.error = APActivity.State.FAILED, f"gave up after {row.attempts} attempts: {exc}"[:500]
            else:
                row.state, row.error = APActivity.State.PENDING, f"will try again: {exc}"[:500]
        except GaveUp as exc:
            log.warning("Inbound activity %s: %s", row.activity_id, exc)
            row.state, row.error = APActivity.State.FAILED, str(exc)[:500]
        except Ignored as exc:
            row.state, row.error = APActivity.State.IGNORED, str(exc)[:500]
        except Exception as exc:  # a peer's odd document must not wedge the queue; the row says why
            log.exception("Inbound activity %s failed", row.activity_id)
            row.state, row.error = APActivity.State.FAILED, f"{type(exc).__name__}: {exc}"[:500]
        row.processed_at = timezone.now()
        row.save(update_fields=["state", "error", "attempts", "processed_at"])
        return row.state


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
    own transaction as ``process`` does, and return how many were taken.

    Batches that overlap share the work by actor (``actor_lock``): an actor another worker holds is
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
            state = process(activity_id, wait_for_actor=False)
            if state == ACTOR_BUSY:
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
    (``FETCH_ATTEMPTS``). The task queues its next try itself rather than raising for a
    retry, so a server running tasks eagerly (development) still answers the inbox POST with its 202.
    """
    state = process(activity_id)
    if state == APActivity.State.PENDING:
        process_inbound.apply_async((activity_id, attempt + 1), countdown=outbox.backoff(attempt))
    return state
