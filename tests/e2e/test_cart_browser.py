"""The cart in headless Chromium: buying from the market across hosts, paying on the test page, the mini-cart."""

import pytest

from apps.account import services as account
from apps.cart.models import Order, OrderState
from apps.core.sites import get_site
from apps.market import services as market
from apps.market.models import Variant

from .test_sso_browser import sign_in_as_alice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def products(settings):
    settings.SUMUP_API_KEY = ""  # the test payment page
    producer = market.create_producer(name="Hillside Apiary", slug="hillside-apiary")
    shelf = market.create_category(name="Honey", slug="honey")
    made = []
    for name, price in [("Heather honey", "10.00"), ("Acacia honey", "5.00")]:
        product = market.create_product(producer=producer, category=shelf, name=name)
        market.add_variant(product, name="Jar", sku=name.upper().replace(" ", "-"), price=price, stock=5)
        made.append(product)
    return made


def watch_csp(page):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return refused


def add_from_the_market(page, product):
    page.goto(f"{get_site('market').origin}/products/{product.slug}/")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(f"{get_site('cart').origin}/")


def test_a_visitor_buys_two_products_and_pays_on_the_test_page(page, products):
    refused = watch_csp(page)
    cart = get_site("cart").origin

    add_from_the_market(page, products[0])
    assert "Added to your cart" in page.locator(".messages").inner_text()
    add_from_the_market(page, products[1])
    assert page.locator("header .mini-cart .badge").inner_text() == "2"
    assert page.locator("#cart-total").inner_text() == "18.00 EUR"  # 12.00 + 6.00

    page.get_by_role("link", name="Check out").click()
    page.wait_for_url(f"{cart}/checkout/")
    for field, value in [
        ("email", "visitor@example.org"),
        ("name", "Vera Visitor"),
        ("line1", "3 Hive Lane"),
        ("postcode", "75001"),
        ("city", "Paris"),
        ("country", "fr"),
    ]:
        page.locator(f"#id_{field}").fill(value)
    page.get_by_role("button", name="Place order and pay 18.00 EUR").click()

    page.wait_for_url(f"{cart}/payments/**/test/")
    assert "no money moves" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Approve test payment").click()

    order = Order.objects.get()
    page.wait_for_url(f"{cart}/orders/{order.number}/")
    assert page.locator("#order-state").inner_text() == "Paid"
    assert "your order is confirmed" in page.locator(".messages").inner_text()
    order.refresh_from_db()
    assert (order.state, order.ship_country, order.email) == (OrderState.PAID, "FR", "visitor@example.org")
    assert sorted(Variant.objects.values_list("stock", flat=True)) == [4, 4]
    assert page.locator("header .mini-cart .badge").count() == 0  # the cart is empty now
    assert refused == []


def test_a_members_mini_cart_shows_on_the_blog(page, products, member):
    sign_in_as_alice(page, get_site("blog").origin)
    assert page.locator("header .mini-cart .badge").count() == 0

    add_from_the_market(page, products[0])
    add_from_the_market(page, products[1])
    page.goto(f"{get_site('blog').origin}/")

    assert page.locator("header .mini-cart .badge").inner_text() == "2"
    assert "18.00 EUR" in page.locator("header .mini-cart").inner_text()


def test_a_member_checks_out_to_their_default_address_saves_a_new_one_and_sees_orders_on_the_dashboard(
    page, products, member
):
    account.remember_address(
        member, name="Alice Doe", line1="1 Orchard Lane", postcode="75001", city="Paris", country="FR"
    )
    cart = get_site("cart").origin
    sign_in_as_alice(page, cart)

    add_from_the_market(page, products[0])
    page.get_by_role("link", name="Check out").click()
    page.wait_for_url(f"{cart}/checkout/")
    assert page.get_by_label("Alice Doe, 1 Orchard Lane, 75001 Paris, FR (default)").is_checked()
    page.get_by_role("button", name="Place order and pay 12.00 EUR").click()
    page.wait_for_url(f"{cart}/payments/**/test/")
    page.get_by_role("button", name="Approve test payment").click()
    first = Order.objects.get()
    assert (first.member_id, first.ship_line1) == (member.pk, "1 Orchard Lane")

    add_from_the_market(page, products[1])
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("A new address (below)").check()
    for field, value in [("name", "Alice Doe"), ("line1", "3 New Road"), ("postcode", "1000"), ("city", "Brussels")]:
        page.locator(f"#id_{field}").fill(value)
    page.locator("#id_country").fill("be")
    page.get_by_label("Save this address to my account").check()
    page.get_by_role("button", name="Place order and pay 6.00 EUR").click()
    page.wait_for_url(f"{cart}/payments/**/test/")
    assert "The address is saved to your account for next time." in page.locator(".messages").inner_text()

    page.goto(f"{get_site('account').origin}/")
    orders = page.locator("#section-orders")
    assert orders.locator("article").count() == 2
    assert "Paid" in orders.locator(f"#order-{first.number}").inner_text()
    assert "3 New Road" in page.locator("#section-addresses").inner_text()
    orders.get_by_role("link", name=f"Order {first.number}").click()
    page.wait_for_url(f"{cart}/orders/{first.number}/")
    assert page.locator("#order-state").inner_text() == "Paid"
