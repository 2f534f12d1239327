"""
Baskets: find a visitor's or member's cart, add, change and remove lines, merge on sign-in, and
read a cart with what its items are now (``CartView``).

Quantities are checked against what the provider says is available when a line is added or
changed; checkout checks again under row locks (``checkout``), since stock moves in between.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from apps.core.errors import RoseAshError

from .models import Cart, CartLine
from .purchasables import Offer, provider_for

__all__ = [
    "MAX_QUANTITY",
    "CartItem",
    "CartView",
    "add_to_cart",
    "cart_of",
    "change_quantity",
    "merge_carts",
    "offers_for",
    "remove_line",
    "view_cart",
]

#: The most of one item a line may hold, whatever the stock: a typo of 1000 is refused.
MAX_QUANTITY = 99


@dataclass(frozen=True)
class CartItem:
    line: CartLine
    #: What the item is now; ``None`` when it is no longer sold.
    offer: Offer | None

    @property
    def line_total(self) -> Decimal:
        return (self.offer.unit_price if self.offer else self.line.unit_price) * self.line.quantity

    @property
    def price_changed(self) -> bool:
        return self.offer is not None and self.offer.unit_price != self.line.unit_price

    @property
    def problem(self) -> str:
        """What stops this line from being bought as it is, in words for the buyer; empty when nothing."""
        if self.offer is None:
            return "No longer on sale: remove it to check out."
        if self.offer.available is not None and self.offer.available < self.line.quantity:
            if self.offer.available == 0:
                return "Sold out: remove it to check out."
            return f"Only {self.offer.available} left: lower the quantity to check out."
        if self.offer.per_order_limit is not None and self.line.quantity > self.offer.per_order_limit:
            return f"At most {self.offer.per_order_limit} per order."
        return ""


@dataclass(frozen=True)
class CartView:
    """A cart with every line's current offer, its totals and what stands in the way of checkout."""

    cart: Cart | None
    items: tuple[CartItem, ...]

    @property
    def count(self) -> int:
        return sum(item.line.quantity for item in self.items)

    @property
    def total(self) -> Decimal:
        return sum((item.line_total for item in self.items), Decimal("0.00"))

    @property
    def vat_total(self) -> Decimal:
        """The VAT included in the total, line by line (each rounded to the cent, as on the order)."""
        return sum(
            (vat_included(item.line_total, item.offer.vat_rate) for item in self.items if item.offer), Decimal("0.00")
        )

    @property
    def currency(self) -> str:
        return next((item.offer.currency for item in self.items if item.offer), "EUR")

    @property
    def ships(self) -> bool:
        return any(item.offer and item.offer.ships for item in self.items)

    @property
    def problems(self) -> list[str]:
        return [
            f"{item.offer.title if item.offer else 'An item'}: {item.problem}" for item in self.items if item.problem
        ]

    @property
    def price_changes(self) -> list[CartItem]:
        return [item for item in self.items if item.price_changed]


CENT = Decimal("0.01")


def vat_included(gross: Decimal, rate: Decimal) -> Decimal:
    """Return the VAT inside ``gross`` at ``rate`` percent, rounded to the cent."""
    return (gross - gross / (1 + rate / 100)).quantize(CENT)


def cart_of(*, member_id: int | None = None, cart_id: int | None = None, create: bool = False) -> Cart | None:
    """
    Return the member's cart, or the visitor's cart ``cart_id`` (never one a member owns), or None.

    With ``create``, make the cart when there is none: a visitor's cart id then goes into their session.
    """
    if member_id is not None:
        cart = Cart.objects.filter(member_id=member_id).first()
        if cart is None and create:
            try:
                with transaction.atomic():
                    cart = Cart.objects.create(member_id=member_id)
            except IntegrityError:  # the member's other tab made it a moment ago
                cart = Cart.objects.get(member_id=member_id)
        return cart
    cart = Cart.objects.filter(pk=cart_id, member__isnull=True).first() if cart_id else None
    if cart is None and create:
        cart = Cart.objects.create()
    return cart


def offers_for(pairs) -> dict[tuple[str, str], Offer]:
    """Return ``{(kind, ref): Offer}`` for ``(kind, ref)`` pairs: one provider call per kind."""
    refs = defaultdict(set)
    for kind, ref in pairs:
        refs[kind].add(ref)
    found = {}
    for kind, kind_refs in refs.items():
        try:
            provider = provider_for(kind)
        except RoseAshError:
            continue  # nobody sells this kind any more: its lines show as no longer on sale
        for ref, offer in provider.offers(sorted(kind_refs)).items():
            found[(kind, ref)] = offer
    return found


def view_cart(cart: Cart | None) -> CartView:
    """Return ``cart`` with its lines' current offers, in one query plus one call per kind of item."""
    if cart is None:
        return CartView(None, ())
    lines = list(cart.lines.all())
    offers = offers_for((line.kind, line.ref) for line in lines)
    return CartView(cart, tuple(CartItem(line, offers.get((line.kind, line.ref))) for line in lines))


def _check_quantity(offer: Offer, quantity: int) -> None:
    if quantity < 1:
        raise RoseAshError("quantity_invalid", "Choose a quantity of at least 1.")
    if quantity > MAX_QUANTITY:
        raise RoseAshError("quantity_invalid", f"At most {MAX_QUANTITY} of one item per order.")
    if offer.per_order_limit is not None and quantity > offer.per_order_limit:
        raise RoseAshError("quantity_limit", f"At most {offer.per_order_limit} of {offer.title} per order.", status=409)
    if offer.available is not None and quantity > offer.available:
        if offer.available == 0:
            raise RoseAshError("sold_out", f"{offer.title} is sold out.", status=409)
        raise RoseAshError(
            "not_enough",
            f"Only {offer.available} of {offer.title} left: choose {offer.available} or fewer.",
            status=409,
        )


def _offer(kind: str, ref: str) -> Offer:
    offer = provider_for(kind).offers([ref]).get(ref)
    if offer is None:
        raise RoseAshError("item_unknown", "This item is not on sale (any more).", status=404)
    return offer


def add_to_cart(cart: Cart, kind: str, ref: str, quantity: int = 1) -> CartLine:
    """Add ``quantity`` of an item, on top of what the cart holds of it, if that many are available."""
    offer = _offer(kind, ref)
    with transaction.atomic():
        line = CartLine.objects.select_for_update().filter(cart=cart, kind=kind, ref=ref).first()
        wanted = quantity + (line.quantity if line else 0)
        if quantity < 1:
            raise RoseAshError("quantity_invalid", "Choose a quantity of at least 1.")
        _check_quantity(offer, wanted)
        if line is None:
            line = CartLine.objects.create(cart=cart, kind=kind, ref=ref, quantity=wanted, unit_price=offer.unit_price)
        else:
            line.quantity = wanted
            line.unit_price = offer.unit_price
            line.save(update_fields=["quantity", "unit_price"])
    return line


def _line(cart: Cart, line_id: int) -> CartLine:
    """Return a line of this cart; another cart's line is as absent as a line that never was."""
    line = CartLine.objects.filter(cart=cart, pk=line_id).first()
    if line is None:
        raise RoseAshError("line_unknown", "This line is not in your cart.", status=404)
    return line


def change_quantity(cart: Cart, line_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity (0 removes it); return the line, or None once removed."""
    line = _line(cart, line_id)
    if quantity == 0:
        line.delete()
        return None
    _check_quantity(_offer(line.kind, line.ref), quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


def remove_line(cart: Cart, line_id: int) -> None:
    _line(cart, line_id).delete()


def merge_carts(visitor_cart_id: int | None, member_id: int) -> Cart | None:
    """
    Move a visitor's cart into the member's on sign-in; return the member's cart.

    An item in both keeps the larger quantity, not the sum (the visitor likely added again what
    the member had already chosen). The visitor's cart is deleted.
    """
    visitor = cart_of(cart_id=visitor_cart_id)
    if visitor is None:
        return cart_of(member_id=member_id)
    with transaction.atomic():
        member_cart = cart_of(member_id=member_id, create=True)
        mine = {(line.kind, line.ref): line for line in member_cart.lines.select_for_update()}
        for line in visitor.lines.all():
            kept = mine.get((line.kind, line.ref))
            if kept is None:
                line.cart = member_cart
                line.save(update_fields=["cart"])
            elif line.quantity > kept.quantity:
                kept.quantity = line.quantity
                kept.unit_price = line.unit_price
                kept.save(update_fields=["quantity", "unit_price"])
        visitor.delete()
    return member_cart
