"""
Sending a newsletter issue to its confirmed subscribers, at most once each.

``start_sending`` writes one ``IssueDelivery`` per confirmed subscriber (unique per issue
and subscription) and queues ``send_issue_batch`` on the ``mail`` queue once committed. A batch:

1. claims up to ``NEWSLETTER_BATCH_SIZE`` pending rows with ``select_for_update(skip_locked=True)``
   and marks them ``claimed`` by this run (committed: other workers skip them);
2. for each row, marks it ``sending`` (committed) just before the SMTP call, then ``sent`` after;
3. queues the next batch while pending rows remain, or marks the issue sent.

Crash windows, and the choice made: AT MOST ONCE. A worker killed after step 1 leaves rows
``claimed``: no mail left for them, so the sweep (``sweep_stalled_sending``, every minute by beat)
returns them to ``pending`` once their lease has passed, and they are sent later. A worker killed
between marking a row ``sending`` and marking it ``sent`` may or may not have handed that one mail
to the server; the sweep marks the row ``uncertain`` and never sends it again. So nobody gets the
same issue twice, and a crash can cost at most one mail per dead worker, shown in the admin. We
chose this over at least once (resending ``sending`` rows) because a subscriber who gets an issue
twice thinks the list is broken and unsubscribes, while one in thousands missing an issue is not
noticed; the admin's "resend to failed" leaves uncertain rows alone for the same reason.
A failure the SMTP server reports for one recipient marks that row ``failed``; a lost connection
marks the row in hand ``failed`` and returns the rest of the batch to ``pending`` for the retry.
"""

import smtplib
import uuid
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.errors import RoseAshError

from ..models import Issue, IssueDelivery, Subscription
from .subscriptions import unsubscribe_url

# The server refused this one message (its recipient, its content): the other recipients go on.
REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
# Anything else is the connection (every SMTPException is an OSError): worth retrying the batch for.
TRANSIENT = (OSError,)
Delivery = IssueDelivery.State


def start_sending(issue_id: int) -> int:
    """
    Write one delivery per confirmed subscriber of a draft issue and queue its sending; return how many.

    Raise 409 when the issue was sent already (use ``resend_failed`` for the failed recipients).
    """
    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
        if issue is None:
            raise RoseAshError("issue_unknown", "There is no such issue.", status=404)
        if issue.state != Issue.State.DRAFT:
            raise RoseAshError("issue_sent", f"“{issue}” has been sent already.", status=409)
        subscribers = Subscription.objects.filter(
            newsletter_id=issue.newsletter_id, state=Subscription.State.CONFIRMED
        ).values_list("pk", "email")
        IssueDelivery.objects.bulk_create(
            (IssueDelivery(issue=issue, subscription_id=pk, email=email) for pk, email in subscribers.iterator()),
            batch_size=1000,
            ignore_conflicts=True,
        )
        issue.state, issue.send_started = Issue.State.SENDING, timezone.now()
        issue.save(update_fields=["state", "send_started"])
        count = issue.deliveries.count()
        transaction.on_commit(lambda: send_issue_batch.delay(issue.pk))
    return count


def resend_failed(issue_id: int) -> int:
    """Send the issue again to its failed recipients only (never to uncertain ones); return how many."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(pk=issue_id).exclude(state=Issue.State.DRAFT).first()
        if issue is None:
            raise RoseAshError("issue_not_sent", "Only an issue that was sent can be resent to failures.", status=409)
        count = issue.deliveries.filter(state=Delivery.FAILED).update(state=Delivery.PENDING, error="")
        if count:
            issue.state, issue.send_finished = Issue.State.SENDING, None
            issue.save(update_fields=["state", "send_finished"])
            transaction.on_commit(lambda: send_issue_batch.delay(issue.pk))
    return count


def _claim(issue_id, worker, now):
    """Take up to a batch of pending rows for ``worker`` (rows other workers hold are skipped)."""
    with transaction.atomic():
        ids = list(
            IssueDelivery.objects.select_for_update(skip_locked=True)
            .filter(issue_id=issue_id, state=Delivery.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)[: settings.NEWSLETTER_BATCH_SIZE]
        )
        IssueDelivery.objects.filter(pk__in=ids).update(state=Delivery.CLAIMED, claimed_by=worker, claimed_at=now)
    return ids


def _message(issue, delivery, connection):
    """Build the mail of ``issue`` to one recipient: text and HTML parts, and the RFC 8058 headers."""
    unsubscribe_link = unsubscribe_url(delivery.subscription)
    context = {"issue": issue, "newsletter": issue.newsletter, "unsubscribe_url": unsubscribe_link}
    message = EmailMultiAlternatives(
        subject=issue.subject,
        body=render_to_string("account/email/issue.txt", context),
        to=[delivery.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{issue.newsletter.name} <{issue.newsletter.slug}.{settings.ROSEASH_DOMAIN}>",
        },
    )
    message.attach_alternative(render_to_string("account/email/issue.html", context), "text/html")
    return message


def _finish_if_done(issue_id):
    """Mark the issue sent once no row is waiting or in a worker's hands."""
    open_states = (Delivery.PENDING, Delivery.CLAIMED, Delivery.SENDING)
    if not IssueDelivery.objects.filter(issue_id=issue_id, state__in=open_states).exists():
        Issue.objects.filter(pk=issue_id, state=Issue.State.SENDING).update(
            state=Issue.State.SENT, send_finished=timezone.now()
        )


def send_batch(issue_id: int) -> tuple[int, bool]:
    """
    Send one batch of the issue; return (mails handed to the server, whether pending rows remain).

    Transient connection errors are raised (the task retries) after the untouched rows of the
    batch went back to ``pending``. See the module's docstring for the states and the crash windows.
    """
    issue = Issue.objects.select_related("newsletter").filter(pk=issue_id, state=Issue.State.SENDING).first()
    if issue is None:
        return 0, False
    worker = uuid.uuid4().hex
    ids = _claim(issue_id, worker, timezone.now())
    if not ids:
        _finish_if_done(issue_id)
        return 0, False
    mine = IssueDelivery.objects.filter(claimed_by=worker)
    sent = 0
    try:
        with get_connection() as connection:
            for delivery in mine.filter(pk__in=ids).select_related("subscription").order_by("pk"):
                marked = mine.filter(pk=delivery.pk, state=Delivery.CLAIMED).update(
                    state=Delivery.SENDING, attempts=delivery.attempts + 1
                )
                if not marked:  # the sweep took it back after our lease ran out
                    continue
                try:
                    _message(issue, delivery, connection).send()
                except REFUSED as error:
                    mine.filter(pk=delivery.pk).update(state=Delivery.FAILED, error=str(error)[:300])
                    continue
                except TRANSIENT as error:
                    mine.filter(pk=delivery.pk).update(state=Delivery.FAILED, error=str(error)[:300])
                    raise
                mine.filter(pk=delivery.pk).update(state=Delivery.SENT, sent_at=timezone.now())
                sent += 1
    finally:
        mine.filter(state=Delivery.CLAIMED).update(state=Delivery.PENDING, claimed_by="", claimed_at=None)
    more = IssueDelivery.objects.filter(issue_id=issue_id, state=Delivery.PENDING).exists()
    if not more:
        _finish_if_done(issue_id)
    return sent, more


@shared_task(name="account.send_issue_batch", bind=True, autoretry_for=TRANSIENT, max_retries=10)
def send_issue_batch(self, issue_id):
    """Send one batch of an issue, then queue the next: other mail never waits behind a long list."""
    sent, more = send_batch(issue_id)
    if more:
        send_issue_batch.delay(issue_id)
    return sent


def sweep_stalled_sending(*, now: datetime | None = None) -> dict[str, int]:
    """
    Take back what dead workers held, and queue issues that have work left; return the counts.

    Rows claimed longer ago than ``NEWSLETTER_LEASE_SECONDS`` go back to ``pending`` (no mail left
    for them); rows left ``sending`` become ``uncertain`` and are never sent again (at most once).
    An issue with pending rows and no claim within the lease is queued again.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS)
    stale = IssueDelivery.objects.filter(claimed_at__lt=cutoff)
    released = stale.filter(state=Delivery.CLAIMED).update(state=Delivery.PENDING, claimed_by="", claimed_at=None)
    uncertain = stale.filter(state=Delivery.SENDING).update(
        state=Delivery.UNCERTAIN, error="The worker stopped while sending: this mail may or may not have left."
    )
    # An issue whose rows were claimed within the lease has a live chain of batches (each queues the
    # next): a second chain would only race it. Requeue the ones nobody has touched for a lease.
    issues = list(
        Issue.objects.filter(state=Issue.State.SENDING, deliveries__state=Delivery.PENDING)
        .exclude(send_started__gte=cutoff)
        .exclude(deliveries__claimed_at__gte=cutoff)
        .values_list("pk", flat=True)
        .distinct()
    )
    for issue_id in issues:
        send_issue_batch.delay(issue_id)
    for issue_id in Issue.objects.filter(state=Issue.State.SENDING).values_list("pk", flat=True):
        if issue_id not in issues:
            _finish_if_done(issue_id)
    return {"released": released, "uncertain": uncertain, "issues": len(issues)}


@shared_task(name="account.sweep_newsletters")
def sweep_newsletters():
    """Beat, every minute: resume issues whose worker died (``sweep_stalled_sending``)."""
    return sweep_stalled_sending()
