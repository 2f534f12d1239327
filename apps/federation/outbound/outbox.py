"""
Sending activities: write, expand, deliver.

``emit`` writes an outbound ``APActivity`` in the caller's transaction and queues its expansion on
commit. ``expand`` turns it into ``Delivery`` rows, one per shared inbox (else inbox) of its
recipients and, when addressed to them, the speaking actor's accepted followers.
``attempt_delivery`` signs and POSTs one row: 2xx delivered; 5xx, 429 and transport errors
retried with growing backoff and counted towards the host's breaker (``peers.directory``); any
other 4xx is final. A row is claimed by moving its ``next_attempt_at`` a lease ahead, so a task
queued twice (by the sweep, a retry, a redelivery after a killed worker) POSTs once; a killed
worker's row is due again once its lease passes and the sweep requeues it.
"""

import json
import random
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.core.outbound import http_client

from .. import actors
from ..models import APActivity, Delivery, Follow
from ..peers.directory import BREAKER_OPEN_FOR, breaker_open, lookup_or_fetch, record_failure, record_success
from ..signing import keys, signatures
from ..vocabulary import AS_CONTEXT, PUBLIC

MAX_ATTEMPTS = 12
LEASE = timedelta(seconds=120)  # longer than the HTTP client's 30 s deadline
ANSWER_CAP = 65_536


def new_id(actor_url, kind):
    """Return a fresh id for an activity or object of ``actor_url``'s (on the actor's host)."""
    return f"{actor_url}/{kind}/{uuid.uuid4().hex}"


def emit(actor_url, activity_type, obj, *, to=(), cc=(), to_followers=False, recipients=(), activity_id=None):
    """
    Write an outbound activity now (inside the caller's transaction) and expand it once committed.

    ``recipients`` are actor URLs delivered to directly; ``to_followers`` adds the actor's followers.
    Return the ``APActivity``.
    """
    activity_id = activity_id or new_id(actor_url, "activities")
    payload = {
        "@context": AS_CONTEXT,
        "id": activity_id,
        "type": activity_type,
        "actor": actor_url,
        "object": obj,
        "published": timezone.now().isoformat().replace("+00:00", "Z"),
    }
    if to:
        payload["to"] = list(to)
    if cc:
        payload["cc"] = list(cc)
    object_id = obj if isinstance(obj, str) else obj.get("id", "")
    row = APActivity.objects.create(
        activity_id=activity_id,
        direction=APActivity.Direction.OUT,
        type=activity_type,
        actor_url=actor_url,
        object_id=object_id or "",
        payload=payload,
        to_followers=to_followers,
        recipients=sorted({url for url in recipients if url and url != PUBLIC}),
    )
    transaction.on_commit(lambda: expand_outbound.delay(row.pk))
    return row


def send_decision(follow, decision):
    """Send an Accept or Reject of ``follow`` to its follower (in the current transaction)."""
    obj = {"id": follow.activity_id, "type": "Follow", "actor": follow.follower_url, "object": follow.followee_url}
    emit(follow.followee_url, decision, obj, to=[follow.follower_url], recipients=[follow.follower_url])


def follower_inboxes(actor_url):
    """Return the set of inboxes (shared when the peer has one) of ``actor_url``'s accepted remote followers."""
    rows = Follow.objects.filter(
        followee_url=actor_url, state=Follow.State.ACCEPTED, follower_peer__isnull=False
    ).values_list("follower_peer__shared_inbox", "follower_peer__inbox")
    return {shared or inbox for shared, inbox in rows}


def _recipient_inboxes(urls):
    """Return the inboxes of remote actors in ``urls`` (ours are handled in process, never POSTed to)."""
    inboxes = set()
    for url in urls:
        try:
            if actors.from_url(url) is not None:
                continue
        except actors.ActorGone:
            continue
        state = lookup_or_fetch(url)
        if state.ok:
            inboxes.add(state.shared_inbox or state.inbox)
    return inboxes


def expand(activity_pk):
    """
    Create the ``Delivery`` rows of a pending outbound activity and return their ids to queue.

    The recipients' inboxes are looked up first, outside the transaction: finding one may fetch a
    peer's actor (up to the HTTP client's deadline), and no row lock should wait on the network.
    """
    pending = APActivity.objects.filter(
        pk=activity_pk, direction=APActivity.Direction.OUT, state=APActivity.State.PENDING
    )
    recipients = pending.values_list("recipients", flat=True).first()
    if recipients is None:
        return []
    inboxes = _recipient_inboxes(recipients)
    with transaction.atomic():
        activity = pending.select_for_update().first()
        if activity is None:
            return []
        if activity.to_followers:
            inboxes |= follower_inboxes(activity.actor_url)
        Delivery.objects.bulk_create(
            [
                Delivery(activity=activity, inbox=inbox, host=urlsplit(inbox).netloc.lower())
                for inbox in sorted(inboxes)
            ],
            ignore_conflicts=True,
        )
        activity.state = APActivity.State.DONE
        activity.processed_at = timezone.now()
        activity.save(update_fields=["state", "processed_at"])
        ids = list(activity.deliveries.filter(state=Delivery.State.PENDING).values_list("pk", flat=True))
    return ids


def backoff(attempts):
    """Seconds before try ``attempts + 1``: Mastodon's ``attempts⁴ + 15`` with up to 10 % jitter."""
    base = attempts**4 + 15
    return base + random.uniform(0, base / 10)  # noqa: S311 (jitter, not security)


def _claim(delivery_pk, now):
    """Take the row for one attempt, or return None when it is not due (done, or another attempt holds it)."""
    claimed = Delivery.objects.filter(pk=delivery_pk, state=Delivery.State.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + LEASE
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("activity").get(pk=delivery_pk)


def _post(delivery):
    """Sign and POST the activity; return ``(status or None, error text)``; raises nothing."""
    activity = delivery.activity
    body = json.dumps(activity.payload, separators=(",", ":")).encode()
    key = keys.signing_key()
    headers = signatures.sign(
        "POST",
        delivery.inbox,
        key_id=f"{activity.actor_url}#{key.name}",
        private_key_pem=key.private_key_pem,
        body=body,
        headers={"Content-Type": "application/activity+json", "Accept": "application/activity+json"},
    )
    try:
        answer = http_client.request("POST", delivery.inbox, headers=headers, data=body, max_bytes=ANSWER_CAP)
    except http_client.BodyTooLarge:
        return 200, ""  # it answered; what it said beyond our cap does not matter
    except (http_client.AddressRefused, http_client.RedirectRefused) as exc:
        return None, f"refused: {exc.reason}"
    except http_client.HttpClientError as exc:
        return 0, exc.reason
    return answer.status, ""


def attempt_delivery(delivery_pk):
    """
    Make one attempt at a delivery; return ``(state, seconds until the next attempt or None)``.

    A host whose breaker is open is not asked: the row waits for the breaker to close, without
    counting an attempt.
    """
    now = timezone.now()
    delivery = _claim(delivery_pk, now)
    if delivery is None:
        return None, None
    if breaker_open(delivery.host):
        delivery.next_attempt_at = now + timedelta(seconds=BREAKER_OPEN_FOR)
        delivery.last_error = "breaker open: the host failed repeatedly"
        delivery.save(update_fields=["next_attempt_at", "last_error"])
        return delivery.state, BREAKER_OPEN_FOR
    status, error = _post(delivery)
    delivery.attempts += 1
    delivery.last_status = status or None
    delivery.last_error = error[:500] if error else ""
    delay = None
    if status is not None and 200 <= status < 300:
        delivery.state = Delivery.State.DELIVERED
        delivery.delivered_at = timezone.now()
        record_success(delivery.host)
    elif status is not None and (status == 0 or status == 429 or status >= 500):
        record_failure(delivery.host)
        delivery.last_error = delivery.last_error or f"status {status}"
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = Delivery.State.FAILED
        else:
            delay = backoff(delivery.attempts)
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    else:
        delivery.state = Delivery.State.FAILED
        delivery.last_error = delivery.last_error or f"status {status}: not retried"
    if delivery.state != Delivery.State.PENDING:
        delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["state", "attempts", "last_status", "last_error", "next_attempt_at", "delivered_at"])
    return delivery.state, delay


def retry(deliveries):
    """Make failed or waiting deliveries due now (the admin's retry action); return their ids to queue."""
    ids = [delivery.pk for delivery in deliveries if delivery.state != Delivery.State.DELIVERED]
    Delivery.objects.filter(pk__in=ids).update(
        state=Delivery.State.PENDING, next_attempt_at=timezone.now(), last_error=""
    )
    return ids


# The tasks live beside the work they wrap, so ``emit`` can queue ``expand_outbound`` without
# importing the tasks module (which imports this one).


@shared_task(name="federation.expand_outbound")
def expand_outbound(activity_pk):
    """Expand one outbound activity into deliveries and queue each."""
    ids = expand(activity_pk)
    for delivery_pk in ids:
        deliver.delay(delivery_pk)
    return len(ids)


@shared_task(name="federation.deliver")
def deliver(delivery_pk):
    """POST one delivery; a retryable failure queues the next attempt after its backoff."""
    state, delay = attempt_delivery(delivery_pk)
    if delay is not None:
        deliver.apply_async((delivery_pk,), countdown=delay)
    return state
