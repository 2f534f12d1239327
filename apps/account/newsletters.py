"""
Newsletters: subscribing with double opt-in, unsubscribing in one click, and sending an issue.

Subscribing. A visitor's address is ``pending`` until the link mailed to it is followed and its
button pressed (a GET changes nothing: mail scanners open links, and must not consent for anyone).
The link is signed (``django.core.signing``) and expires after ``NEWSLETTER_CONFIRM_MAX_AGE`` seconds; it
names the subscriptions and the moment they were asked for, so asking again or unsubscribing
voids every earlier link. A signed-in member subscribing their own (confirmed) address needs no
second confirmation. The answer never says whether an address was already subscribed.

Unsubscribing. Every issue carries a link and the RFC 8058 headers (``List-Unsubscribe`` with the
same URL, ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``). The link's token is signed and
does not expire; a POST to it unsubscribes without login or CSRF token, and again changes nothing.

Sending. ``start_sending`` writes one ``IssueDelivery`` per confirmed subscriber (unique per issue
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

import logging
import smtplib
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.errors import RoseAshError
from apps.core.sites import site_url

from .models import Issue, IssueDelivery, Newsletter, Subscription, User

log = logging.getLogger(__name__)

CONFIRM_SALT = "account.newsletters.confirm"
UNSUBSCRIBE_SALT = "account.newsletters.unsubscribe"
CONFIRM_RESEND_SECONDS = 600  # one confirmation mail per address per ten minutes, whatever is asked
ACCOUNT = "account"
# The server refused this one message (its recipient, its content): the other recipients go on.
REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
# Anything else is the connection (every SMTPException is an OSError): worth retrying the batch for.
TRANSIENT = (OSError,)
Delivery = IssueDelivery.State


# --- Subscribing ---------------------------------------------------------------------------------


def public_newsletters() -> QuerySet[Newsletter]:
    return Newsletter.objects.filter(is_public=True)


def subscribe(email: str, newsletters: Iterable[Newsletter], *, member: User | None = None) -> list[Subscription]:
    """
    Subscribe ``email`` to ``newsletters`` and return the subscriptions now confirmed or pending.

    A signed-in ``member`` subscribing their own address is confirmed at once (that address was
    confirmed when they joined); anyone else gets a confirmation mail once committed.
    """
    email = email.strip().lower()
    own = member is not None and member.is_authenticated and member.email.lower() == email
    now = timezone.now()
    # One confirmation mail per address per CONFIRM_RESEND_SECONDS. While none may go, a pending
    # subscription keeps the request time its earlier mail's link names, so that link still works.
    may_mail = not own and cache.add(f"account:newsletter-confirm:{email}", 1, CONFIRM_RESEND_SECONDS)
    pending, result = [], []
    with transaction.atomic():
        for newsletter in newsletters:
            if not newsletter.is_public:
                raise RoseAshError("newsletter_closed", f"{newsletter} takes no subscribers.", status=404)
            sub, _ = Subscription.objects.select_for_update().get_or_create(
                newsletter=newsletter, email=email, defaults={"requested_at": now}
            )
            result.append(sub)
            if sub.state == Subscription.State.CONFIRMED:
                continue
            if own:
                sub.state, sub.member, sub.confirmed_at = Subscription.State.CONFIRMED, member, now
            elif sub.state == Subscription.State.PENDING and not may_mail:
                continue
            else:
                sub.state, sub.confirmed_at = Subscription.State.PENDING, None
                pending.append(sub.pk)
            sub.requested_at, sub.unsubscribed_at = now, None
            sub.save()
        if pending and may_mail:
            transaction.on_commit(lambda: send_subscription_confirmation.delay(pending))
    return result


def confirmation_token(subscriptions: list[Subscription]) -> str:
    """Return the signed token of a confirmation link for ``subscriptions`` as asked for now."""
    stamp = max(sub.requested_at for sub in subscriptions)
    return signing.dumps({"s": sorted(sub.pk for sub in subscriptions), "t": stamp.timestamp()}, salt=CONFIRM_SALT)


def confirmation_url(subscriptions: list[Subscription]) -> str:
    return site_url(ACCOUNT, "account:newsletter-confirm", kwargs={"token": confirmation_token(subscriptions)})


def _confirmable(token, *, lock):
    """Return the subscriptions a confirmation link names, still to be confirmed by it; raise why not."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.NEWSLETTER_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise RoseAshError(
            "confirmation_expired", "This confirmation link has expired. Subscribe again for a new one.", status=410
        ) from None
    except signing.BadSignature:
        raise RoseAshError("confirmation_invalid", "This confirmation link is not valid.", status=400) from None
    rows = Subscription.objects.filter(pk__in=data.get("s", [])).select_related("newsletter")
    if lock:
        rows = rows.select_for_update(of=("self",))
    live = [sub for sub in rows if sub.state != Subscription.State.UNSUBSCRIBED]
    current = [sub for sub in live if sub.requested_at.timestamp() == data.get("t")]
    if not current:
        raise RoseAshError(
            "confirmation_replaced",
            "This confirmation link was replaced by a newer one, or you unsubscribed since. Subscribe again.",
            status=410,
        )
    return current


def check_confirmation(token: str) -> list[Subscription]:
    """
    Return the subscriptions a confirmation link would confirm, changing nothing (the page a GET shows).

    Raise ``RoseAshError``: 400 for a link that is not ours or was altered, 410 for an expired one
    or one a later request or an unsubscription replaced.
    """
    return _confirmable(token, lock=False)


def confirm_subscriptions(token: str) -> list[Subscription]:
    """Confirm the subscriptions a confirmation link names and return them; refusals as ``check_confirmation``."""
    now = timezone.now()
    with transaction.atomic():
        current = _confirmable(token, lock=True)
        for sub in current:
            if sub.state == Subscription.State.PENDING:
                sub.state, sub.confirmed_at = Subscription.State.CONFIRMED, now
                sub.save(update_fields=["state", "confirmed_at"])
    return current


@shared_task(name="account.send_subscription_confirmation", autoretry_for=TRANSIENT)
def send_subscription_confirmation(subscription_ids):
    """Mail the link that confirms pending subscriptions (all of one address); skipped once none is pending."""
    subs = list(
        Subscription.objects.filter(pk__in=subscription_ids, state=Subscription.State.PENDING).select_related(
            "newsletter"
        )
    )
    if not subs:
        return False
    context = {"subscriptions": subs, "confirm_url": confirmation_url(subs), "site_name": settings.ROSEASH_SITE_NAME}
    EmailMultiAlternatives(
        subject=f"Confirm your subscription to {', '.join(s.newsletter.name for s in subs)}",
        body=render_to_string("account/email/newsletter_confirm.txt", context),
        to=[subs[0].email],
    ).send()
    return True


# --- Unsubscribing -------------------------------------------------------------------------------


def unsubscribe_token(subscription: Subscription) -> str:
    """Return the token of the subscription's unsubscribe link: its id, signed (the same in every issue)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(subscription.pk))


def unsubscribe_url(subscription: Subscription) -> str:
    return site_url(ACCOUNT, "account:newsletter-unsubscribe", kwargs={"token": unsubscribe_token(subscription)})


def subscription_for_token(token: str) -> Subscription:
    """Return the subscription an unsubscribe link names; 404 for a link that is not ours."""
    try:
        pk = int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
        return Subscription.objects.select_related("newsletter").get(pk=pk)
    except (signing.BadSignature, Subscription.DoesNotExist, TypeError, ValueError):
        raise RoseAshError("unsubscribe_invalid", "This unsubscribe link is not valid.", status=404) from None


def unsubscribe(token: str) -> Subscription:
    """End the subscription an unsubscribe link names; doing it again changes nothing."""
    sub = subscription_for_token(token)
    Subscription.objects.filter(pk=sub.pk).exclude(state=Subscription.State.UNSUBSCRIBED).update(
        state=Subscription.State.UNSUBSCRIBED, unsubscribed_at=timezone.now()
    )
    sub.refresh_from_db()
    return sub


def member_subscriptions(member: User) -> list[Subscription]:
    """Return the subscriptions of the member's address, or ones they made, whatever their state."""
    return list(
        Subscription.objects.filter(Q(member=member) | Q(email__iexact=member.email))
        .select_related("newsletter")
        .order_by("newsletter__name")
    )


def set_member_subscriptions(member: User, newsletter_ids: Iterable[int | str]) -> list[Subscription]:
    """Make the member's address subscribed to exactly the public newsletters ``newsletter_ids`` names."""
    wanted = set(public_newsletters().filter(pk__in=newsletter_ids).values_list("pk", flat=True))
    now = timezone.now()
    with transaction.atomic():
        subscribe(member.email, list(Newsletter.objects.filter(pk__in=wanted)), member=member)
        Subscription.objects.filter(Q(member=member) | Q(email__iexact=member.email)).exclude(
            newsletter_id__in=wanted
        ).exclude(state=Subscription.State.UNSUBSCRIBED).update(
            state=Subscription.State.UNSUBSCRIBED, unsubscribed_at=now
        )
    return member_subscriptions(member)


# --- Sending an issue ------------------------------------------------------------------------------


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
