"""
The market's side of the cart: its product variants as purchasables of kind ``market.variant``.

The cart knows a line only as ``("market.variant", "<variant id>", quantity)`` and asks this
provider what it is now, to hold stock when an order is placed, and to give it back when the order
is not paid. Registered in ``MarketConfig.ready()``.
"""

from collections.abc import Iterable, Mapping

from apps.cart import services as cart
from apps.core.errors import RoseAshError

from . import page_cache, pricing
from .models import Variant

__all__ = ["KIND", "VariantProvider"]

KIND = "market.variant"


def _ids(refs: Iterable[str]) -> list[int]:
    return sorted({int(ref) for ref in refs if str(ref).isdigit()})


class VariantProvider:
    """Sells variants of active products; stock is counted only where the producer counts it."""

    kind = KIND

    def offers(self, refs: Iterable[str]) -> Mapping[str, cart.Offer]:
        """Return the variants of active products among ``refs``, in one query."""
        variants = Variant.objects.filter(pk__in=_ids(refs), product__active=True).select_related("product__producer")
        return {
            str(variant.pk): cart.Offer(
                kind=KIND,
                ref=str(variant.pk),
                title=f"{variant.product.name}, {variant.name}",
                unit_price=pricing.gross(variant.price, variant.vat_rate),
                vat_rate=variant.vat_rate,
                currency=variant.currency,
                available=variant.stock,
                ships=True,
                url=variant.product.get_absolute_url() + f"?variant={variant.sku}",
                seller=variant.product.producer.name,
            )
            for variant in variants
        }

    def _locked(self, quantities: Mapping[str, int]) -> dict[int, Variant]:
        """Lock the variants' rows in id order (the same order in every checkout, so none deadlock)."""
        return {
            variant.pk: variant
            for variant in Variant.objects.select_for_update().filter(pk__in=_ids(quantities)).order_by("pk")
        }

    def reserve(self, quantities: Mapping[str, int], order_reference: str) -> None:
        """Take the quantities out of stock under row locks; refuse the whole order when one is short."""
        locked = self._locked(quantities)
        for ref, quantity in sorted(quantities.items(), key=lambda item: int(item[0])):
            variant = locked.get(int(ref))
            if variant is None:
                raise RoseAshError("unavailable", "An item in your cart is no longer on sale.", status=409)
            if variant.stock is None:
                continue
            if variant.stock < quantity:
                left = f"only {variant.stock} left" if variant.stock else "sold out"
                raise RoseAshError("sold_out", f"{variant}: {left}. Lower the quantity and try again.", status=409)
            variant.stock -= quantity
            variant.save(update_fields=["stock"])
        page_cache.changed()  # the stock badges visitors see

    def release(self, quantities: Mapping[str, int], order_reference: str) -> None:
        """Put back what ``reserve`` took; a variant deleted meanwhile has nothing to put back into."""
        locked = self._locked(quantities)
        for ref, quantity in sorted(quantities.items(), key=lambda item: int(item[0])):
            variant = locked.get(int(ref))
            if variant is not None and variant.stock is not None:
                variant.stock += quantity
                variant.save(update_fields=["stock"])
        page_cache.changed()

    def fulfil(
        self, quantities: Mapping[str, int], order_reference: str, buyer_email: str, member_id: int | None
    ) -> None:
        """Nothing to do at payment: the stock is out already, and staff send the goods (``fulfilled``)."""
