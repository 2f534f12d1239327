"""
Orders: checkout, the moves of an order's state, expiry, and a member's orders.

Checkout reserves stock under row locks: each provider locks its own rows in sorted order, and the
cart calls the providers in sorted order of kind, so two buyers never wait on each other in
opposite orders. On PostgreSQL a lock held longer than ``CART_LOCK_TIMEOUT_MS`` gives up; the buyer
is told the shop is busy (``RoseAshError("busy", status=503)``), never shown an error page.

Every change of state goes through ``move``, which holds the order's row lock, calls the
transition (django-fsm-2 refuses illegal moves), saves and writes an ``OrderEvent``.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed

from apps.account import services as account
from apps.core.errors import RoseAshError

from . import mail
from .carts import CartView, view_cart
from .models import Cart, CartLine, Order, OrderEvent, OrderLine, OrderState
from .purchasables import provider_for

__all__ = [
    "Delivery",
    "expire_due_orders",
    "expire_order",
    "fulfil_order",
    "get_member_order",
    "lock_order",
    "move",
    "order_for_buyer",
    "orders_for_member",
    "place_order",
    "release_stock",
    "remember_delivery",
    "saved_addresses_for",
]

# Letters and digits that cannot be misread for one another (no 0/O, 1/I/L, 5/S, 2/Z).
NUMBER_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
BUSY = "Many people are buying right now and we could not hold your items in time. Please try again."
PAST = {"pay": "paid", "fulfil": "fulfilled", "cancel": "cancelled", "refund": "refunded"}
# PostgreSQL's lock_not_available (lock_timeout) and deadlock_detected.
BUSY_SQLSTATES = {"55P03", "40P01"}


@dataclass(frozen=True)
class Delivery:
    """
    Where goods go: frozen on the order as given.

    ``is_default`` marks a member's default saved address, which checkout preselects; it says
    nothing about the order and is not stored on it.
    """

    name: str
    line1: str
    postcode: str
    city: str
    country: str
    line2: str = ""
    phone: str = ""
    is_default: bool = field(default=False, compare=False)

    def address_fields(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "is_default"}

    def as_order_fields(self) -> dict:
        return {f"ship_{name}": value for name, value in self.address_fields().items()}


def new_order_number(now=None) -> str:
    """Return a number a person can read out on the phone: ``RA-261202-K7Q4M`` (date, then five characters)."""
    day = (now or timezone.now()).strftime("%y%m%d")
    return f"RA-{day}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(5))


def is_busy(exc: OperationalError) -> bool:
    """Return whether ``exc`` is a lock we gave up waiting for, not a broken database."""
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate in BUSY_SQLSTATES or "database is locked" in str(exc)


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{settings.CART_LOCK_TIMEOUT_MS}ms"])


def place_order(
    cart: Cart, *, email: str, delivery: Delivery | None, member_id: int | None, seen: CartView | None = None
) -> Order:
    """
    Turn the cart into a pending order with frozen lines and reserve its stock, or raise.

    Refuses (409) when a price changed since the buyer saw it (the cart then holds the new prices,
    so placing again accepts them), when an item is gone or short, and when goods would ship with
    no address. Busy locks raise ``busy`` (503); the cart is left as it was. ``seen`` is the cart
    as the buyer's page just read it (``view_cart``), spared a second read; stock is checked
    again under the locks whatever it says.
    """
    seen = seen if seen is not None and seen.cart == cart else view_cart(cart)
    if not seen.items:
        raise RoseAshError("cart_empty", "Your cart is empty.", status=409)
    if seen.price_changes:
        changes = []
        for item in seen.price_changes:
            changes.append(f"{item.offer.title} now costs {item.offer.unit_price} (was {item.line.unit_price})")
            CartLine.objects.filter(pk=item.line.pk).update(unit_price=item.offer.unit_price)
        raise RoseAshError(
            "price_changed",
            "Prices changed since you added them: "
            + "; ".join(changes)
            + ". Check the new total and place the order again.",
            status=409,
        )
    if seen.problems:
        raise RoseAshError("cart_problem", " ".join(seen.problems), status=409)
    if seen.ships and delivery is None:
        raise RoseAshError("address_missing", "Some items are sent by post: give a delivery address.")
    currencies = {item.offer.currency for item in seen.items}
    if len(currencies) > 1:
        raise RoseAshError(
            "currencies_mixed", "Items priced in different currencies cannot be paid together.", status=409
        )
    try:
        return _reserve_and_create(
            cart, seen, email=email, delivery=delivery if seen.ships else None, member_id=member_id
        )
    except OperationalError as exc:
        if is_busy(exc):
            raise RoseAshError("busy", BUSY, status=503) from exc
        raise


def _reserve_and_create(cart, seen, *, email, delivery, member_id) -> Order:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                _set_lock_timeout()
                # One checkout of a cart at a time: a double submit waits here, then finds it empty.
                Cart.objects.select_for_update().filter(pk=cart.pk).first()
                if set(cart.lines.values_list("pk", "quantity")) != {(i.line.pk, i.line.quantity) for i in seen.items}:
                    raise RoseAshError(
                        "cart_changed", "Your cart changed meanwhile: check it and try again.", status=409
                    )
                now = timezone.now()
                order = Order.objects.create(
                    number=new_order_number(now),
                    member_id=member_id,
                    email=email,
                    currency=seen.currency,
                    total=seen.total,
                    vat_total=seen.vat_total,
                    ships=delivery is not None,
                    expires_at=now + timedelta(minutes=settings.CART_ORDER_EXPIRY_MINUTES),
                    **(delivery.as_order_fields() if delivery else {}),
                )
                OrderLine.objects.bulk_create(
                    OrderLine(
                        order=order,
                        kind=item.offer.kind,
                        ref=item.offer.ref,
                        title=item.offer.title[:250],
                        seller=item.offer.seller[:160],
                        url=item.offer.url[:500],
                        quantity=item.line.quantity,
                        unit_price=item.offer.unit_price,
                        vat_rate=item.offer.vat_rate,
                        line_total=item.line_total,
                        ships=item.offer.ships,
                    )
                    for item in seen.items
                )
                for kind, quantities in _by_kind((i.line.kind, i.line.ref, i.line.quantity) for i in seen.items):
                    provider_for(kind).reserve(quantities, order.number)
                OrderEvent.objects.create(order=order, target=OrderState.PENDING, note="Order placed, stock reserved.")
                cart.lines.all().delete()
                return order
        except IntegrityError as exc:
            if "number" not in str(exc):
                raise
            continue  # an order number drawn twice (one in 14 million a day): draw again
    raise RoseAshError("busy", BUSY, status=503)


def _by_kind(triples) -> list[tuple[str, dict[str, int]]]:
    """Group ``(kind, ref, quantity)`` into sorted ``[(kind, {ref: quantity})]``: the fixed lock order."""
    grouped = defaultdict(dict)
    for kind, ref, quantity in triples:
        grouped[kind][ref] = grouped[kind].get(ref, 0) + quantity
    return [(kind, dict(sorted(grouped[kind].items()))) for kind in sorted(grouped)]


def lock_order(order_id: int) -> Order:
    """Return the order with its row locked until the transaction ends; call inside ``transaction.atomic``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_order() holds a row lock: call it inside transaction.atomic().")
    return Order.objects.select_for_update().get(pk=order_id)


def move(order: Order, name: str, *, actor: str = "", note: str = "") -> Order:
    """
    Apply the transition ``name`` to a locked order, save it and log the move; refuse an illegal one.

    Emails the buyer after the commit when the move is one they hear about.
    """
    method = getattr(order, name)
    if not can_proceed(method):
        raise RoseAshError(
            "transition_refused",
            f"Order {order.number} is {order.get_state_display().lower()}: it cannot be {PAST[name]}.",
            status=409,
        )
    source = order.state
    try:
        method()
    except TransitionNotAllowed as exc:  # a condition failed (a refund of nothing)
        raise RoseAshError("transition_refused", str(exc), status=409) from None
    if name == "pay":
        order.paid_at = timezone.now()
    order.save()
    OrderEvent.objects.create(order=order, source=source, target=order.state, actor=actor[:150], note=note[:500])
    if order.state != source or name == "refund":
        mail.send_after_commit(order.pk, name)
    return order


def release_stock(order: Order) -> None:
    """Give back what the order reserved (inside the transaction that cancels it)."""
    for kind, quantities in _by_kind(order.lines.values_list("kind", "ref", "quantity")):
        provider_for(kind).release(quantities, order.number)


def fulfil_providers(order: Order) -> None:
    """Let each provider deliver what was paid for: once, inside the transaction that marks the order paid."""
    for kind, quantities in _by_kind(order.lines.values_list("kind", "ref", "quantity")):
        provider_for(kind).fulfil(quantities, order.number, order.email, order.member_id)


def expire_order(order_id: int) -> bool:
    """Cancel an unpaid order whose time is up and release its stock; return whether it did."""
    with transaction.atomic():
        order = lock_order(order_id)
        if order.state != OrderState.PENDING or order.expires_at > timezone.now():
            return False
        move(order, "cancel", actor="expiry", note="Not paid in time; stock released.")
        release_stock(order)
    return True


def expire_due_orders() -> list[int]:
    """Return the ids of pending orders past their time (the beat task checks each, then expires it)."""
    return list(
        Order.objects.filter(state=OrderState.PENDING, expires_at__lte=timezone.now()).values_list("pk", flat=True)[
            :500
        ]
    )


def orders_for_member(member) -> QuerySet[Order]:
    """Return the member's orders, newest first, lines prefetched (the account dashboard lists them)."""
    return Order.objects.filter(member_id=member.pk).prefetch_related(Prefetch("lines")).order_by("-created_at", "-id")


def get_member_order(member, number: str) -> Order:
    """Return the member's order ``number``; another member's order is as absent as none (404)."""
    order = orders_for_member(member).filter(number=number).first()
    if order is None:
        raise RoseAshError("order_unknown", "There is no such order among yours.", status=404)
    return order


def order_for_buyer(number: str, *, member_id: int | None, visitor_numbers: list[str]) -> Order:
    """
    Return order ``number`` to whoever placed it: the member it belongs to, or the visitor whose
    session on the cart host placed it (``visitor_numbers``). Anyone else gets 404.
    """
    orders = Order.objects.prefetch_related("lines")
    if member_id is not None:
        order = orders.filter(number=number, member_id=member_id).first()
    else:
        order = orders.filter(number=number, member__isnull=True).first() if number in visitor_numbers else None
    if order is None:
        raise RoseAshError("order_unknown", "There is no such order among yours.", status=404)
    return order


def fulfil_order(order_id: int, *, actor: str = "") -> Order:
    """Mark a paid order fulfilled (staff sent the goods); refused unless it is paid."""
    with transaction.atomic():
        return move(lock_order(order_id), "fulfil", actor=actor, note="Sent to the buyer.")


def saved_addresses_for(member) -> list[Delivery]:
    """
    Return the addresses a member keeps in their account as deliveries checkout can offer, the
    default first (marked ``is_default``); none for a visitor.
    """
    if member is None or not member.is_authenticated:
        return []
    return [
        Delivery(
            name=address.name,
            line1=address.line1,
            line2=address.line2,
            postcode=address.postcode,
            city=address.city,
            country=address.country,
            phone=address.phone,
            is_default=address.is_default,
        )
        for address in account.saved_addresses(member)
    ]


def remember_delivery(member, delivery: Delivery) -> None:
    """
    Keep ``delivery`` among the member's saved addresses, as they asked at checkout.

    Called once the order is placed and committed, never inside checkout's locking transaction:
    the account's own rules (a known country code) may refuse an address the order took, and
    the order must not depend on that. Raise ``RoseAshError`` (``address_invalid``) then.
    """
    account.remember_address(member, **delivery.address_fields())
