"""
The buyer's emails: confirmation when an order is paid, and a word on each later change.

The confirmation is the receipt and always goes; a member who asked for no mail about their orders
(their preferences on the account site) hears nothing of the later changes, which their orders
page shows.

Sent by a Celery task on the ``mail`` queue once the change is committed, so a slow mail server
never holds a checkout or a webhook, and an email is never sent about a change that rolled back.
"""

import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from apps.account import services as account
from apps.core.sites import site_url

from .models import ERASED_EMAIL, Order

__all__ = ["send_after_commit", "send_order_email"]

logger = logging.getLogger(__name__)

SUBJECTS = {
    "pay": "Order {number} confirmed",
    "fulfil": "Order {number} is on its way",
    "cancel": "Order {number} cancelled",
    "refund": "Order {number}: money refunded",
}


def send_after_commit(order_id: int, event: str) -> None:
    if event in SUBJECTS:
        transaction.on_commit(lambda: send_order_email.delay(order_id, event), robust=True)


@shared_task(name="cart.send_order_email", autoretry_for=(OSError,))
def send_order_email(order_id: int, event: str) -> bool:
    """Send the buyer the email about ``event`` (HTML and plain text); return whether one went."""
    order = Order.objects.filter(pk=order_id).select_related("member").prefetch_related("lines").first()
    if order is None or event not in SUBJECTS:
        logger.warning("No email for order %s and event %r", order_id, event)
        return False
    if order.email == ERASED_EMAIL:  # the buyer deleted their account: nobody to tell
        return False
    news = event != "pay"
    if news and order.member is not None and not account.wants_mail(order.member, "orders"):
        return False
    context = {"order": order, "event": event, "lines": list(order.lines.all())}
    if news and order.member is not None:
        context["preferences_url"] = site_url("account", "account:preferences")
    message = EmailMultiAlternatives(
        subject=SUBJECTS[event].format(number=order.number),
        body=render_to_string("cart/email/order.txt", context),
        to=[order.email],
    )
    message.attach_alternative(render_to_string("cart/email/order.html", context), "text/html")
    message.send()
    return True
