"""Many buyers at once, on PostgreSQL's real row locks: nobody gets what is not there."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from apps.cart import services as cart
from apps.cart.models import Order, OrderState
from apps.core.errors import RoseAshError
from apps.market.models import Variant

from .conftest import ADDRESS, add

pytestmark = [pytest.mark.postgresql(reason="row locks and lock_timeout"), pytest.mark.django_db(transaction=True)]

BUYERS = 30


def test_thirty_buyers_for_ten_jars_get_ten_orders_and_twenty_clear_refusals(make_variant):
    jar = make_variant("Last honey", stock=10)
    carts = []
    for _ in range(BUYERS):
        basket = cart.cart_of(create=True)
        # Added while there is stock: each buyer believes one is theirs.
        cart.add_to_cart(basket, "market.variant", str(jar.pk), 1)
        carts.append(basket)
    start = threading.Barrier(BUYERS)

    def buy(basket):
        try:
            start.wait()
            order = cart.place_order(basket, email="b@example.org", delivery=ADDRESS, member_id=None)
            return ("ordered", order.number)
        except RoseAshError as exc:
            return (exc.code, exc.message)
        finally:
            connection.close()

    with ThreadPoolExecutor(BUYERS) as pool:
        outcomes = list(pool.map(buy, carts))

    ordered = [o for o in outcomes if o[0] == "ordered"]
    refused = [o for o in outcomes if o[0] != "ordered"]
    assert len(ordered) == 10, outcomes
    assert len(refused) == 20
    assert {code for code, _ in refused} <= {"sold_out", "cart_problem"}, refused
    assert all("sold out" in message.lower() or "left" in message for _, message in refused)
    assert Variant.objects.get(pk=jar.pk).stock == 0
    assert Order.objects.filter(state=OrderState.PENDING).count() == 10
    assert len({number for _, number in ordered}) == 10


def test_a_lock_held_too_long_says_busy_not_an_error_page(make_variant, site_client, settings):
    settings.CART_LOCK_TIMEOUT_MS = 300
    jar = make_variant("Busy honey", stock=4)
    buyer = site_client("cart")
    add(buyer, jar, 1)
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                Variant.objects.select_for_update().get(pk=jar.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(10)
        answer = buyer.post("/checkout/", {"email": "b@example.org", **dict(ADDRESS.__dict__.items())})
    finally:
        release.set()
        holder.join()

    assert answer.status_code == 503
    assert "Many people are buying right now" in answer.text
    assert "Place order and pay" in answer.text  # the checkout page, with the cart kept
    assert Order.objects.count() == 0
    assert Variant.objects.get(pk=jar.pk).stock == 4
    assert buyer.post("/checkout/", {"email": "b@example.org", **ADDRESS.__dict__}).status_code == 302
    assert Variant.objects.get(pk=jar.pk).stock == 3
