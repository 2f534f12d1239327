"""
The purchasable registry: how the cart sells things it knows nothing about.

An app that sells something (the market's product variants, the events' tickets) registers a
provider for its *kind* of item in its ``AppConfig.ready()``::

    cart_services.register_purchasable(VariantProvider())

The cart stores a line as ``(kind, ref, quantity)`` and asks the provider of ``kind`` everything
else, so it imports no market or events code (import-linter's independence contract keeps it so).
Providers answer with ``Offer`` values, never their own models, so nothing of theirs leaks into the
cart's templates or orders: an order freezes the offer's title and prices when it is placed.

``reserve``, ``release`` and ``fulfil`` run inside the cart's transaction. ``reserve`` takes its
row locks itself, in the order of ``refs`` the cart passes sorted, so two checkouts never wait on
each other in opposite orders; it raises ``RoseAshError`` (``sold_out``, ``unavailable``) and the
cart's transaction rolls back whatever was reserved before it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from apps.core.errors import RoseAshError

__all__ = ["Offer", "PurchasableProvider", "provider_for", "register_purchasable", "registered_kinds"]


@dataclass(frozen=True)
class Offer:
    """One sellable item as a buyer sees it now."""

    kind: str
    ref: str
    title: str
    #: What one costs, VAT included, in major units with two decimals.
    unit_price: Decimal
    #: The VAT rate in percent included in ``unit_price``.
    vat_rate: Decimal
    currency: str
    #: How many can be had now; ``None`` when nobody counts (made to order, unlimited places).
    available: int | None
    #: Whether the item is sent by post, so checkout asks for a delivery address.
    ships: bool
    #: The item's page, for links from the cart and the order.
    url: str = ""
    #: Who sells it (a producer, a calendar), for the sales page's per-seller figures.
    seller: str = ""
    #: The most one order may hold; ``None`` for no limit beyond ``available``.
    per_order_limit: int | None = None

    @property
    def purchasable(self):
        return self.available is None or self.available > 0


@runtime_checkable
class PurchasableProvider(Protocol):
    """What an app implements to have the cart sell its items."""

    #: The kind of item, unique among providers: ``"market.variant"``, ``"events.ticket"``.
    kind: str

    def offers(self, refs: Iterable[str]) -> Mapping[str, Offer]:
        """Return the offers for ``refs`` still on sale, in a constant number of queries; unknown refs are left out."""

    def reserve(self, quantities: Mapping[str, int], order_reference: str) -> None:
        """Take ``quantities`` out of what is available for ``order_reference``, under row locks, or raise."""

    def release(self, quantities: Mapping[str, int], order_reference: str) -> None:
        """Give back what ``reserve`` took for an order that will not be paid (expired, cancelled, refunded)."""

    def fulfil(
        self, quantities: Mapping[str, int], order_reference: str, buyer_email: str, member_id: int | None
    ) -> None:
        """Deliver what was paid for (issue tickets, mark for shipping); called exactly once per paid order."""


_providers: dict[str, PurchasableProvider] = {}


def register_purchasable(provider: PurchasableProvider) -> None:
    """Register ``provider`` for its kind; registering the same kind twice is a programming error."""
    if not isinstance(provider, PurchasableProvider):
        raise TypeError(f"{provider!r} does not implement PurchasableProvider.")
    current = _providers.get(provider.kind)
    if current is not None and type(current) is not type(provider):
        raise ValueError(f"A purchasable provider for {provider.kind!r} is registered already: {current!r}.")
    _providers[provider.kind] = provider


def provider_for(kind: str) -> PurchasableProvider:
    """Return the provider of ``kind``, or raise the error a buyer sees for an item nobody sells."""
    try:
        return _providers[kind]
    except KeyError:
        raise RoseAshError("item_unknown", "This item is not sold here (any more).", status=404) from None


def registered_kinds() -> list[str]:
    return sorted(_providers)
