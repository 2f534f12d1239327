"""Named fixtures of the cart's tests: market variants to sell, clients on the cart and market hosts."""

import threading
from decimal import Decimal

import pytest

from apps.cart import purchasables
from apps.cart import services as cart
from apps.core.sites import get_site
from apps.market import services as market


@pytest.fixture
def producer(db):
    return market.create_producer(name="Hillside Apiary", slug="hillside-apiary")


@pytest.fixture
def shelf(db):
    return market.create_category(name="Honey", slug="honey")


@pytest.fixture
def make_variant(producer, shelf):
    """Return ``make_variant(name, price="10.00", stock=None, vat_rate=20)``: a product with one variant."""
    counter = iter(range(1, 100_000))

    def make(name="Heather honey", *, price="10.00", stock=None, vat_rate="20"):
        number = next(counter)
        product = market.create_product(producer=producer, category=shelf, name=f"{name} {number}")
        return market.add_variant(
            product, name="Jar", sku=f"CART-{number}", price=price, stock=stock, vat_rate=vat_rate
        )

    return make


@pytest.fixture
def honey(make_variant):
    """10.00 net + 20% VAT = 12.00, five in stock."""
    return make_variant("Heather honey", price="10.00", stock=5)


@pytest.fixture
def cart_client(site_client):
    return site_client("cart")


@pytest.fixture
def market_origin():
    return get_site("market").origin


def add(client, variant, quantity=1, origin=None):
    """POST the market's add-to-cart form to the cart host and follow its redirect, as a browser does."""
    posted = client.post(
        "/add/",
        {"kind": "market.variant", "ref": str(variant.pk), "quantity": quantity},
        HTTP_ORIGIN=origin or get_site("market").origin,
    )
    if posted.status_code != 302 or not posted["Location"].startswith("/add/"):
        return posted
    return client.get(posted["Location"])


ADDRESS = cart.Delivery(name="Alice Doe", line1="1 Orchard Lane", postcode="75001", city="Paris", country="FR")


def place(variant, quantity=1, *, member_id=None, email="buyer@example.org"):
    """Put ``quantity`` of ``variant`` in a new visitor cart and place the order."""
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, "market.variant", str(variant.pk), quantity)
    return cart.place_order(basket, email=email, delivery=ADDRESS, member_id=member_id)


TWELVE = Decimal("12.00")


class Tickets:
    """A second kind of purchasable that counts how often it is fulfilled (as events' tickets will be)."""

    kind = "test.ticket"

    def __init__(self):
        self.fulfilled = []
        self.lock = threading.Lock()

    def offers(self, refs):
        return {
            ref: cart.Offer(
                kind=self.kind,
                ref=ref,
                title=f"Ticket {ref}",
                unit_price=Decimal("5.00"),
                vat_rate=Decimal("10"),
                currency="EUR",
                available=None,
                ships=False,
            )
            for ref in refs
        }

    def reserve(self, quantities, order_reference):
        pass

    def release(self, quantities, order_reference):
        pass

    def fulfil(self, quantities, order_reference, buyer_email, member_id):
        with self.lock:
            self.fulfilled.append((order_reference, dict(quantities)))


@pytest.fixture
def tickets():
    provider = Tickets()
    cart.register_purchasable(provider)
    yield provider
    purchasables._providers.pop(provider.kind, None)
