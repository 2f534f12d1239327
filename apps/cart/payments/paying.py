"""
Paying for orders: SumUp's hosted checkout, or the test payment page when no SumUp key is set.

Each attempt is a ``Payment`` with its own reference. Nothing SumUp sends us is believed: the
webhook and the return page only say "look again", and ``sync_payment`` re-fetches the checkout.
An order becomes paid only when SumUp says PAID for the same amount, currency and reference, and
only once: ``apply_checkout`` holds the order's row lock, so duplicate, reordered or concurrent
webhooks find it paid already. Network calls happen outside transactions.
"""

import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import RoseAshError
from apps.core.sites import site_url

from ..models import Order, OrderEvent, OrderState, Payment, PaymentStatus
from ..orders import fulfil_providers, lock_order, move, order_for_buyer
from . import sumup

__all__ = [
    "apply_checkout",
    "checkout_id_from_webhook",
    "payment_for_buyer",
    "recheck_payments",
    "settle_test_payment",
    "start_payment",
    "sumup_enabled",
    "sync_checkout",
    "sync_payment",
]

logger = logging.getLogger(__name__)


def sumup_enabled() -> bool:
    """Return whether real payments are taken; without a key the test payment page stands in."""
    return bool(settings.SUMUP_API_KEY)


def start_payment(order: Order) -> str:
    """Open a new payment attempt for a pending order; return where to send the buyer's browser."""
    if order.state != OrderState.PENDING:
        raise RoseAshError(
            "order_not_payable", f"Order {order.number} is {order.get_state_display().lower()}.", status=409
        )
    if order.expires_at <= timezone.now():
        raise RoseAshError(
            "order_expired", f"Order {order.number} was not paid in time; it is being cancelled.", status=409
        )
    open_url = _open_checkout_url(order)
    if open_url:
        return open_url
    payment = None
    for _attempt in range(3):
        try:
            payment = Payment.objects.create(
                order=order,
                reference=f"{order.number}-{secrets.token_hex(3).upper()}",
                test=not sumup_enabled(),
                amount=order.total,
                currency=order.currency,
            )
            break
        except IntegrityError:
            continue
    if payment is None:
        raise RoseAshError("busy", "Please try again.", status=503)
    if payment.test:
        return site_url("cart", "cart:test_payment", kwargs={"reference": payment.reference})
    try:
        checkout = sumup.create_checkout(
            reference=payment.reference,
            amount=order.total,
            currency=order.currency,
            description=f"Rose Ash order {order.number}",
            return_url=site_url("cart", "cart:sumup_webhook"),
            redirect_url=site_url("cart", "cart:payment_return", kwargs={"reference": payment.reference}),
            valid_until=order.expires_at,
        )
    except sumup.SumUpError as exc:
        logger.warning("SumUp checkout for %s failed: %s", payment.reference, exc)
        raise RoseAshError(
            "payment_unavailable",
            "The card payment service is not answering. Your order is kept: try again shortly.",
            status=503,
        ) from exc
    Payment.objects.filter(pk=payment.pk).update(
        checkout_id=checkout.id, hosted_checkout_url=checkout.hosted_checkout_url, status=PaymentStatus.PENDING
    )
    if not checkout.hosted_checkout_url:
        raise RoseAshError("payment_unavailable", "SumUp gave no payment page; try again shortly.", status=503)
    return checkout.hosted_checkout_url


def _open_checkout_url(order: Order) -> str:
    """
    Return the page of the order's SumUp checkout still waiting for the buyer, if there is one.

    A buyer who came back without paying and presses "Pay" again is sent to the same checkout
    rather than a second one, which they could pay as well. A checkout paid meanwhile pays the
    order and sends them to it; a failed or expired one gets a new attempt and a new reference.
    """
    waiting = order.payments.filter(test=False, status=PaymentStatus.PENDING).exclude(hosted_checkout_url="").last()
    if waiting is None:
        return ""
    try:
        status = sync_payment(waiting)
    except sumup.SumUpError as exc:
        raise RoseAshError(
            "payment_unavailable",
            "The card payment service is not answering. Your order is kept: try again shortly.",
            status=503,
        ) from exc
    if status == PaymentStatus.PAID:
        return order.get_absolute_url()
    return waiting.hosted_checkout_url if status == PaymentStatus.PENDING else ""


def checkout_id_from_webhook(payload) -> str | None:
    """
    Return the checkout id a webhook names, in either of SumUp's shapes, or None for another event.

    ``{"event_type": "CHECKOUT_STATUS_CHANGED", "id": ...}`` or
    ``{"event_type": "checkout.status.updated", "payload": {"checkout_id": ...}}``.
    """
    if not isinstance(payload, dict):
        return None
    event = payload.get("event_type")
    if event == "CHECKOUT_STATUS_CHANGED" and isinstance(payload.get("id"), str):
        return payload["id"] or None
    inner = payload.get("payload")
    if event == "checkout.status.updated" and isinstance(inner, dict) and isinstance(inner.get("checkout_id"), str):
        return inner["checkout_id"] or None
    return None


def sync_payment(payment: Payment) -> str:
    """Ask SumUp for the attempt's checkout and apply what it says; return the outcome. Raises ``SumUpError``."""
    if payment.test or not payment.checkout_id:
        return payment.status
    return apply_checkout(payment.pk, sumup.get_checkout(payment.checkout_id))


def sync_checkout(checkout_id: str) -> str | None:
    """Look again at SumUp's checkout ``checkout_id`` (a webhook named it); None when it is not one of ours."""
    payment = Payment.objects.filter(checkout_id=checkout_id, test=False).first()
    return None if payment is None else sync_payment(payment)


def recheck_payments(order_id: int) -> None:
    """Ask SumUp about every checkout of an order before it expires; raises ``SumUpError`` when it cannot say."""
    for payment in Payment.objects.filter(order_id=order_id, test=False).exclude(checkout_id=""):
        sync_payment(payment)


def apply_checkout(payment_id: int, checkout: sumup.Checkout) -> str:
    """
    Record what SumUp says of a payment attempt; mark its order paid and fulfil it when the
    checkout is PAID with the order's amount, currency and this attempt's reference.

    Takes the order's row lock, then the payment's: the pay transition happens once, whatever
    the number of webhooks arriving together. Returns the payment's status.
    """
    with transaction.atomic():
        order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
        order = lock_order(order_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == PaymentStatus.PAID:
            return payment.status  # a replay: paid and fulfilled already
        if checkout.status != "PAID":
            if checkout.status in (PaymentStatus.FAILED, PaymentStatus.EXPIRED, PaymentStatus.PENDING):
                payment.status = checkout.status
                payment.save(update_fields=["status", "updated_at"])
            return payment.status
        same = (
            checkout.id == payment.checkout_id
            and checkout.reference == payment.reference
            and checkout.amount == payment.amount == order.total
            and checkout.currency == payment.currency == order.currency
        )
        if not same:
            payment.status = PaymentStatus.MISMATCH
            payment.save(update_fields=["status", "updated_at"])
            OrderEvent.objects.create(
                order=order,
                actor="sumup",
                note=f"Payment {payment.reference} refused: SumUp reports {checkout.amount} {checkout.currency} "
                f"for reference {checkout.reference!r}, "
                f"expected {order.total} {order.currency} for {payment.reference!r}.",
            )
            logger.warning("SumUp checkout %s does not match payment %s", checkout.id, payment.reference)
            return payment.status
        payment.status = PaymentStatus.PAID
        payment.transaction_id = checkout.transaction_id[:64]
        payment.save(update_fields=["status", "transaction_id", "updated_at"])
        _paid(order, payment, actor="sumup")
        return payment.status


def _paid(order: Order, payment: Payment, *, actor: str) -> None:
    if order.state == OrderState.PENDING:
        move(order, "pay", actor=actor, note=f"Paid by {payment.reference}.")
        fulfil_providers(order)
    else:
        # Paid after the order was cancelled (expired) or paid by another attempt: staff must refund.
        OrderEvent.objects.create(
            order=order, actor=actor, note=f"Payment {payment.reference} arrived while {order.state}: refund it."
        )


def settle_test_payment(reference: str, *, approve: bool) -> Payment:
    """Approve or decline a test payment (only while no SumUp key is set)."""
    if sumup_enabled():
        raise RoseAshError("test_payments_off", "Test payments are off: real payments are taken.", status=404)
    with transaction.atomic():
        payment = Payment.objects.filter(reference=reference, test=True).first()
        if payment is None:
            raise RoseAshError("payment_unknown", "There is no such test payment.", status=404)
        order = lock_order(payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status in (PaymentStatus.PAID, PaymentStatus.FAILED):
            return payment
        if not approve:
            payment.status = PaymentStatus.FAILED
            payment.save(update_fields=["status", "updated_at"])
            return payment
        if order.state != OrderState.PENDING:
            raise RoseAshError(
                "order_not_payable", f"Order {order.number} is {order.get_state_display().lower()}.", status=409
            )
        payment.status = PaymentStatus.PAID
        payment.transaction_id = f"TEST-{payment.reference}"[:64]
        payment.save(update_fields=["status", "transaction_id", "updated_at"])
        _paid(order, payment, actor="test payment")
    return payment


def payment_for_buyer(reference: str, *, member_id: int | None, visitor_numbers: list[str]) -> Payment:
    """Return the payment attempt ``reference`` to the buyer of its order only (404 to anyone else)."""
    payment = Payment.objects.filter(reference=reference).select_related("order").first()
    if payment is None:
        raise RoseAshError("payment_unknown", "There is no such payment.", status=404)
    order_for_buyer(payment.order.number, member_id=member_id, visitor_numbers=visitor_numbers)
    return payment
