"""
Refunding one item of an order after another app cancelled it (a ticket given back).

The events app cancels a paid booking inside its own transaction; the refund speaks to SumUp, so
it cannot happen there. ``refund_item_after_commit`` queues the ``cart.refund_item`` task once that
transaction commits: the places are free and the ticket void before any money moves, and a
cancel that rolls back refunds nothing.
"""

import logging

from celery import shared_task
from django.db import transaction

from apps.core.errors import RoseAshError

from .payments import refund_order_item

__all__ = ["refund_item", "refund_item_after_commit"]

logger = logging.getLogger(__name__)


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
