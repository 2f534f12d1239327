import logging

from celery import shared_task

from . import services
from .mail import send_order_email
from .payments.refunds import refund_item
from .payments.sumup import SumUpError

__all__ = ["expire_orders", "refund_item", "send_order_email"]

logger = logging.getLogger(__name__)


@shared_task(name="cart.expire_orders")
def expire_orders():
    """
    Cancel unpaid orders whose time is up and release their stock (every minute, by beat).

    An order with a SumUp checkout is looked at once more first: a payment that landed while its
    webhook was lost makes the order paid rather than cancelled. Returns how many expired.
    """
    expired = 0
    for order_id in services.expire_due_orders():
        try:
            services.recheck_payments(order_id)
        except SumUpError as exc:
            logger.warning("Order %s kept for now: SumUp did not answer (%s)", order_id, exc)
            continue
        expired += services.expire_order(order_id)
    return expired
