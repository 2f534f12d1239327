"""
Giving money back: refunding an order (all or part), one item of it (a ticket given back), or
cancelling an order and refunding it in full.

SumUp is asked first, outside any transaction, while the order's refund lock (in the shared cache)
keeps a second refund of the same order from starting; the order is then locked and the amount
checked again, so a refund SumUp refused is never recorded and nothing is refunded twice.

The events app cancels a paid booking inside its own transaction; the refund speaks to SumUp, so
it cannot happen there. ``refund_item_after_commit`` queues the ``cart.refund_item`` task once that
transaction commits: the places are free and the ticket void before any money moves, and a
cancel that rolls back refunds nothing.
"""

import logging
from contextlib import contextmanager
from decimal import Decimal

from celery import shared_task
from django.core.cache import cache
from django.db import transaction

from apps.core.errors import RoseAshError

from ..models import Order, OrderLine, OrderState, Payment, PaymentStatus, Refund
from ..orders import lock_order, move, release_stock
from . import sumup

__all__ = [
    "cancel_order",
    "one_refund_at_a_time",
    "refund_item",
    "refund_item_after_commit",
    "refund_order",
    "refund_order_item",
]

logger = logging.getLogger(__name__)

REFUND_LOCK_SECONDS = 60  # longer than SumUp may take to answer (sumup.DEADLINE)


def _paid_payment(order: Order) -> Payment:
    payment = order.payments.filter(status=PaymentStatus.PAID).order_by("-created_at").first()
    if payment is None:
        raise RoseAshError("no_payment", f"Order {order.number} has no payment to refund.", status=409)
    return payment


@contextmanager
def one_refund_at_a_time(order_id: int):
    """
    Hold the order's refund lock (in the shared cache) while SumUp is asked to refund it.

    The row lock cannot be held across SumUp's answer (no network inside a transaction), so two
    staff pressing "refund" together would otherwise both be sent to SumUp.
    """
    key = f"cart:refunding:{order_id}"
    if not cache.add(key, 1, timeout=REFUND_LOCK_SECONDS):
        raise RoseAshError("refund_busy", "A refund of this order is under way; look again in a minute.", status=409)
    try:
        yield
    finally:
        cache.delete(key)


def refund_order(order_id: int, amount: Decimal | None = None, *, actor: str = "") -> Order:
    """
    Refund ``amount`` (all that is left when None) of a paid order through SumUp, then record it.

    SumUp is asked first, outside the transaction, one refund of an order at a time; the order is
    then locked and the amount checked again, so a refund SumUp refused is never recorded.
    """
    with one_refund_at_a_time(order_id):
        return _refund(order_id, amount, actor)


def refund_order_item(number: str, kind: str, ref: str, quantity: int, *, actor: str = "") -> Order:
    """
    Refund ``quantity`` of one line of a paid order (a cancelled ticket): that many times the
    line's unit price, through SumUp or the test payment, and record it against the line.

    The line keeps count of what was refunded of it, checked again under the order's lock, so
    the same item is never refunded twice over; an order already refunded in part is refunded
    at most what is left of it.
    """
    order = Order.objects.filter(number=number).first()
    line = None if order is None else order.lines.filter(kind=kind, ref=ref).first()
    if line is None:
        raise RoseAshError("item_unknown", f"Order {number} has no item {kind} {ref}.", status=404)
    with one_refund_at_a_time(order.pk):
        if quantity < 1 or quantity > line.quantity - line.refunded_quantity:
            raise RoseAshError(
                "refund_invalid",
                f"Order {number} has {line.quantity - line.refunded_quantity} of {line.title} left to refund.",
                status=409,
            )
        amount = min((line.unit_price * quantity).quantize(Decimal("0.01")), order.refundable)
        return _refund(order.pk, amount, actor, line_id=line.pk, quantity=quantity)


def _refund(
    order_id: int, amount: Decimal | None, actor: str, *, line_id: int | None = None, quantity: int = 0
) -> Order:
    order = Order.objects.get(pk=order_id)
    if order.state not in (OrderState.PAID, OrderState.FULFILLED, OrderState.REFUNDED):
        raise RoseAshError("transition_refused", f"Order {order.number} is not paid: nothing to refund.", status=409)
    amount = order.refundable if amount is None else Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0 or amount > order.refundable:
        raise RoseAshError("refund_invalid", f"Refund between 0.01 and {order.refundable} {order.currency}.")
    payment = _paid_payment(order)
    if not payment.test:
        try:
            sumup.refund(payment.transaction_id, None if amount == order.total else amount)
        except sumup.SumUpError as exc:
            raise RoseAshError("refund_failed", f"SumUp did not refund: {exc}", status=502) from exc
    with transaction.atomic():
        order = lock_order(order_id)
        if amount > order.refundable:
            raise RoseAshError("refund_invalid", "Refunded meanwhile by someone else.", status=409)
        note = f"Refunded {amount} {order.currency}."
        if line_id is not None:
            line = OrderLine.objects.select_for_update().get(pk=line_id)
            if quantity > line.quantity - line.refunded_quantity:
                raise RoseAshError("refund_invalid", "Refunded meanwhile by someone else.", status=409)
            line.refunded_quantity += quantity
            line.save(update_fields=["refunded_quantity"])
            note = f"Refunded {amount} {order.currency}: {quantity} of {line.title}."
        order.refunded_amount += amount
        Refund.objects.create(order=order, payment=payment, amount=amount, actor=actor[:150])
        move(order, "refund", actor=actor, note=note[:500])
    return order


def cancel_order(order_id: int, *, actor: str = "") -> Order:
    """Cancel an order not yet fulfilled: refund it in full when paid, and release its stock."""
    order = Order.objects.get(pk=order_id)
    if order.state == OrderState.PAID and order.refundable > 0:
        with one_refund_at_a_time(order_id):
            payment = _paid_payment(order)
            if not payment.test:
                try:
                    sumup.refund(payment.transaction_id, None)
                except sumup.SumUpError as exc:
                    raise RoseAshError("refund_failed", f"SumUp did not refund: {exc}", status=502) from exc
            with transaction.atomic():
                order = lock_order(order_id)
                Refund.objects.create(order=order, payment=payment, amount=order.refundable, actor=actor[:150])
                order.refunded_amount = order.total
                order.save(update_fields=["refunded_amount"])
    with transaction.atomic():
        order = lock_order(order_id)
        move(order, "cancel", actor=actor, note="Cancelled; stock released.")
        release_stock(order)
    return order


def refund_item_after_commit(number: str, kind: str, ref: str, quantity: int) -> None:
    """Refund ``quantity`` of order ``number``'s item ``(kind, ref)`` once the caller's transaction commits."""
    transaction.on_commit(lambda: refund_item.delay(number, kind, ref, quantity))


@shared_task(name="cart.refund_item", bind=True, max_retries=8, default_retry_delay=60)
def refund_item(self, number: str, kind: str, ref: str, quantity: int) -> str:
    """
    Refund one cancelled item of an order; SumUp failing or another refund under way is retried
    (a minute apart); a refusal (nothing left to refund) is logged, never retried. Returns the
    order's state.
    """
    try:
        return refund_order_item(number, kind, ref, quantity, actor="cancelled item").state
    except RoseAshError as exc:
        if exc.code in ("refund_failed", "refund_busy"):
            raise self.retry(exc=exc) from exc
        logger.warning("Item %s %s of order %s not refunded: %s", kind, ref, number, exc)
        return exc.code
