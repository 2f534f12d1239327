"""
A member's orders as the account site shows and handles them: the dashboard's "Orders" section,
their part of the data export, and what deleting the account does to them.

The account app knows nothing of the cart (an import contract keeps it so): ``CartConfig.ready()``
registers these functions with it through ``apps.account.services``.
"""

from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string

from apps.core.sites import site_url

from .models import ERASED_EMAIL, Cart, Order, OrderEvent
from .orders import orders_for_member

__all__ = ["DASHBOARD_ORDERS", "erase_member", "export_orders", "render_orders_section"]

#: How many orders the dashboard shows; the rest are on the cart host's "Your orders" page.
DASHBOARD_ORDERS = 5

SHIPPING_FIELDS = ("name", "line1", "line2", "postcode", "city", "country", "phone")


def render_orders_section(request, member) -> str:
    """
    Return the dashboard's "Orders" section: the member's newest orders with their lines, in two
    queries however many orders they have, and a link to all of them on the cart host.
    """
    orders = list(orders_for_member(member)[: DASHBOARD_ORDERS + 1])
    return render_to_string(
        "cart/dashboard_orders.html",
        {
            "orders": orders[:DASHBOARD_ORDERS],
            "more": len(orders) > DASHBOARD_ORDERS,
            "all_orders_url": site_url("cart", "cart:orders"),
        },
    )


def _when(value):
    return value.isoformat() if value else None


def _money(value):
    return str(value)


def export_orders(member) -> list[dict]:
    """Return the member's orders for their data export: lines, amounts, address and history, as JSON values."""
    orders = orders_for_member(member).prefetch_related(
        Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id"))
    )
    return [
        {
            "number": order.number,
            "placed_at": _when(order.created_at),
            "paid_at": _when(order.paid_at),
            "state": order.state,
            "email": order.email,
            "currency": order.currency,
            "total": _money(order.total),
            "vat_total": _money(order.vat_total),
            "refunded_amount": _money(order.refunded_amount),
            "delivery": ({name: getattr(order, f"ship_{name}") for name in SHIPPING_FIELDS} if order.ships else None),
            "lines": [
                {
                    "title": line.title,
                    "seller": line.seller,
                    "quantity": line.quantity,
                    "unit_price": _money(line.unit_price),
                    "vat_rate": _money(line.vat_rate),
                    "line_total": _money(line.line_total),
                }
                for line in order.lines.all()
            ],
            "history": [
                {"at": _when(event.created_at), "from": event.source, "to": event.target, "note": event.note}
                for event in order.events.all()
            ],
        }
        for order in orders
    ]


def erase_member(member) -> None:
    """
    Forget who placed the member's orders, keeping the orders: accounting needs their numbers,
    lines, amounts, states and history, not the buyer. Delete the member's cart.

    Runs inside the account deletion's transaction, so an order is never left half anonymised.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("erase_member() belongs to the account deletion's transaction: call it inside atomic().")
    Order.objects.filter(member_id=member.pk).update(
        member=None, email=ERASED_EMAIL, **{f"ship_{name}": "" for name in SHIPPING_FIELDS}
    )
    Cart.objects.filter(member_id=member.pk).delete()
