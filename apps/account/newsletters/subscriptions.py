"""
Subscribing to newsletters with double opt-in, and unsubscribing in one click.

Subscribing. A visitor's address is ``pending`` until the link mailed to it is followed and its
button pressed (a GET changes nothing: mail scanners open links, and must not consent for anyone).
The link is signed (``django.core.signing``) and expires after ``NEWSLETTER_CONFIRM_MAX_AGE`` seconds; it
names the subscriptions and the moment they were asked for, so asking again or unsubscribing
voids every earlier link. A signed-in member subscribing their own (confirmed) address needs no
second confirmation. The answer never says whether an address was already subscribed.

Unsubscribing. Every issue carries a link and the RFC 8058 headers (``List-Unsubscribe`` with the
same URL, ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``). The link's token is signed and
does not expire; a POST to it unsubscribes without login or CSRF token, and again changes nothing.
"""

from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core import counting
from apps.core.errors import RoseAshError
from apps.core.sites import site_url

from ..models import Newsletter, Subscription, User

CONFIRM_SALT = "account.newsletters.confirm"
UNSUBSCRIBE_SALT = "account.newsletters.unsubscribe"
CONFIRM_RESEND_SECONDS = 600  # one confirmation mail per address per ten minutes, whatever is asked
ACCOUNT = "account"
SUBSCRIBE_LIMIT = 10  # subscription requests per client address
SUBSCRIBE_WINDOW_SECONDS = 3600


# --- Subscribing ---------------------------------------------------------------------------------


def public_newsletters() -> QuerySet[Newsletter]:
    return Newsletter.objects.filter(is_public=True)


def check_subscribe_allowed(address):
    """
    Count a newsletter subscription from ``address``; raise ``RoseAshError`` (429) past the limit.

    Each request may mail a confirmation to an address the visitor typed: without a limit per
    client, one visitor could have us mail thousands of strangers.
    """
    if counting.hit(f"newsletter:subscribe:addr:{address}", SUBSCRIBE_WINDOW_SECONDS) > SUBSCRIBE_LIMIT:
        raise RoseAshError(
            "subscribe_throttled", "Too many subscriptions from your connection. Try again in an hour.", status=429
        )


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


@shared_task(name="account.send_subscription_confirmation", autoretry_for=(OSError,))
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
