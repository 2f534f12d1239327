import time
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cart import services as cart
from apps.cart.models import Cart, CartLine
from apps.core.errors import RoseAshError
from apps.core.sites import get_site
from apps.market import services as market

from .conftest import TWELVE, add

pytestmark = pytest.mark.django_db


@contextmanager
def freeze_clock(seconds):
    """Make ``time.time`` (what signing's max_age reads) run ``seconds`` ahead inside the block."""
    with mock.patch("time.time", return_value=time.time() + seconds):
        yield


def lines(basket):
    return [(line.ref, line.quantity) for line in basket.lines.all()]


def test_the_market_offers_a_variant_at_its_gross_price(honey, make_variant):
    untracked = make_variant("Candle", price="3.00", stock=None, vat_rate="5.5")
    offers = cart.provider_for("market.variant").offers([str(honey.pk), str(untracked.pk), "999999", "not-an-id"])
    assert set(offers) == {str(honey.pk), str(untracked.pk)}
    offer = offers[str(honey.pk)]
    assert (offer.unit_price, offer.vat_rate, offer.available, offer.ships) == (TWELVE, Decimal("20.00"), 5, True)
    assert offer.seller == "Hillside Apiary"
    assert offers[str(untracked.pk)].available is None
    assert offers[str(untracked.pk)].unit_price == Decimal("3.17")


def test_offers_take_one_query_however_many(make_variant, django_assert_num_queries):
    refs = [str(make_variant(f"Jar {n}").pk) for n in range(12)]
    with django_assert_num_queries(1):
        assert len(cart.provider_for("market.variant").offers(refs)) == 12


def test_a_hidden_product_is_not_offered(honey):
    market.set_products_active([honey.product_id], False)
    assert cart.provider_for("market.variant").offers([str(honey.pk)]) == {}
    with pytest.raises(RoseAshError) as refused:
        cart.add_to_cart(cart.cart_of(create=True), "market.variant", str(honey.pk))
    assert refused.value.status == 404


def test_add_change_remove(honey):
    basket = cart.cart_of(create=True)
    line = cart.add_to_cart(basket, "market.variant", str(honey.pk), 2)
    cart.add_to_cart(basket, "market.variant", str(honey.pk), 1)
    assert lines(basket) == [(str(honey.pk), 3)]
    view = cart.view_cart(basket)
    assert (view.count, view.total, view.vat_total) == (3, Decimal("36.00"), Decimal("6.00"))
    cart.change_quantity(basket, line.pk, 5)
    assert lines(basket) == [(str(honey.pk), 5)]
    cart.change_quantity(basket, line.pk, 0)
    assert lines(basket) == []
    line = cart.add_to_cart(basket, "market.variant", str(honey.pk))
    cart.remove_line(basket, line.pk)
    assert lines(basket) == []


def test_quantities_are_checked_against_stock(honey):
    basket = cart.cart_of(create=True)
    with pytest.raises(RoseAshError) as refused:
        cart.add_to_cart(basket, "market.variant", str(honey.pk), 6)
    assert (refused.value.code, refused.value.status) == ("not_enough", 409)
    assert "Only 5" in refused.value.message
    line = cart.add_to_cart(basket, "market.variant", str(honey.pk), 4)
    with pytest.raises(RoseAshError):
        cart.add_to_cart(basket, "market.variant", str(honey.pk), 2)  # 6 in all
    with pytest.raises(RoseAshError):
        cart.change_quantity(basket, line.pk, 6)
    assert lines(basket) == [(str(honey.pk), 4)]
    with pytest.raises(RoseAshError) as refused:
        cart.add_to_cart(basket, "market.variant", str(honey.pk), 0)
    assert refused.value.code == "quantity_invalid"


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(RoseAshError) as refused:
        cart.add_to_cart(cart.cart_of(create=True), "nowhere.thing", "1")
    assert refused.value.status == 404


def test_another_carts_line_is_out_of_reach(honey):
    mine, theirs = cart.cart_of(create=True), cart.cart_of(create=True)
    their_line = cart.add_to_cart(theirs, "market.variant", str(honey.pk), 2)
    with pytest.raises(RoseAshError) as refused:
        cart.change_quantity(mine, their_line.pk, 1)
    assert refused.value.status == 404
    with pytest.raises(RoseAshError):
        cart.remove_line(mine, their_line.pk)
    assert lines(theirs) == [(str(honey.pk), 2)]


def test_a_visitor_cart_id_never_opens_a_members_cart(honey, member):
    members = cart.cart_of(member_id=member.pk, create=True)
    assert cart.cart_of(cart_id=members.pk) is None


def test_add_from_the_market_page_lands_in_the_cart(cart_client, honey):
    answer = add(cart_client, honey, 2)
    assert answer.status_code == 302
    assert answer["Location"] == "/"
    page = cart_client.get("/")
    assert page.status_code == 200
    assert "Heather honey" in page.text
    assert "24.00 EUR" in page.text
    assert "Added to your cart (2 in all)" in page.text


def test_add_is_refused_from_another_origin_or_none(cart_client, honey):
    assert add(cart_client, honey, origin="https://evil.example").status_code == 403
    assert add(cart_client, honey, origin="http://market.localhost.evil.example").status_code == 403
    no_origin = cart_client.post("/add/", {"kind": "market.variant", "ref": str(honey.pk)})
    assert no_origin.status_code == 403
    assert CartLine.objects.count() == 0


def test_add_with_a_referer_from_our_site_is_accepted(cart_client, honey):
    answer = cart_client.post(
        "/add/", {"kind": "market.variant", "ref": str(honey.pk)}, HTTP_REFERER=get_site("blog").origin + "/x"
    )
    assert answer.status_code == 302
    cart_client.get(answer["Location"])
    assert CartLine.objects.count() == 1


def test_the_add_redirect_carries_the_item_signed_and_short_lived(cart_client, honey, settings):
    posted = cart_client.post(
        "/add/", {"kind": "market.variant", "ref": str(honey.pk)}, HTTP_ORIGIN=get_site("market").origin
    )
    token = posted["Location"].split("/")[2]
    assert CartLine.objects.count() == 0  # nothing yet: the POST may carry no session
    forged = cart_client.get(f"/add/{token[:-2]}xx/")
    assert forged.status_code == 400
    assert "not valid" in forged.text
    with freeze_clock(seconds=121):
        assert cart_client.get(f"/add/{token}/").status_code == 400
    assert CartLine.objects.count() == 0
    assert cart_client.get(f"/add/{token}/").status_code == 302
    assert CartLine.objects.count() == 1


def test_the_carts_own_forms_keep_their_csrf_token(honey, site_client):
    client = site_client("cart", enforce_csrf_checks=True)
    add(client, honey, 1)
    line = CartLine.objects.get()
    assert client.post(f"/lines/{line.pk}/", {"quantity": 3}).status_code == 403
    assert CartLine.objects.get().quantity == 1


def test_too_many_shows_a_message_not_an_error(cart_client, honey):
    answer = add(cart_client, honey, 9)
    assert answer.status_code == 302
    assert "Only 5 of" in cart_client.get("/").text
    assert CartLine.objects.count() == 0


def test_change_and_remove_pages(cart_client, honey):
    add(cart_client, honey, 1)
    line = CartLine.objects.get()
    cart_client.post(f"/lines/{line.pk}/", {"quantity": 3})
    assert CartLine.objects.get().quantity == 3
    assert "Only 5" in cart_client.post(f"/lines/{line.pk}/", {"quantity": 7}, follow=True).text
    cart_client.post(f"/lines/{line.pk}/remove/")
    assert CartLine.objects.count() == 0


def test_another_visitors_line_is_404(site_client, honey):
    one, other = site_client("cart"), site_client("cart")
    add(one, honey, 2)
    add(other, honey, 1)
    line = CartLine.objects.get(quantity=2)
    assert other.post(f"/lines/{line.pk}/", {"quantity": 1}).status_code == 404
    assert other.post(f"/lines/{line.pk}/remove/").status_code == 404
    assert CartLine.objects.get(pk=line.pk).quantity == 2


def test_the_cart_page_holds_a_constant_number_of_queries(cart_client, make_variant):
    add(cart_client, make_variant("One"), 1)
    cart_client.get("/")  # warm the header's cached fragments
    with CaptureQueriesContext(connection) as few:
        cart_client.get("/")
    for n in range(6):
        add(cart_client, make_variant(f"More {n}"), 1)
    cart_client.get("/")
    with CaptureQueriesContext(connection) as many:
        assert cart_client.get("/").text.count("Update") == 7
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_sign_in_merges_the_visitors_cart_keeping_the_larger_quantity(cart_client, member, honey, make_variant):
    jam = make_variant("Jam", stock=None)
    members = cart.cart_of(member_id=member.pk, create=True)
    cart.add_to_cart(members, "market.variant", str(honey.pk), 1)
    add(cart_client, honey, 3)
    add(cart_client, jam, 2)
    visitors = Cart.objects.get(member__isnull=True)

    cart_client.force_login(member)

    assert not Cart.objects.filter(pk=visitors.pk).exists()
    assert sorted(lines(members)) == sorted([(str(honey.pk), 3), (str(jam.pk), 2)])
    assert "Jam" in cart_client.get("/").text


def test_the_badge_counts_a_members_cart_on_every_site(site_client, member, honey):
    cart.add_to_cart(cart.cart_of(member_id=member.pk, create=True), "market.variant", str(honey.pk), 2)
    blog = site_client("blog")
    blog.force_login(member)
    page = blog.get("/")
    assert 'data-cart-count="2"' in page.text
    assert "24.00 EUR" in page.text


def test_the_badge_shows_a_visitors_cart_on_the_cart_host_and_changes_at_once(cart_client, honey):
    add(cart_client, honey, 1)
    assert 'data-cart-count="1"' in cart_client.get("/").text
    add(cart_client, honey, 1)
    assert 'data-cart-count="2"' in cart_client.get("/").text


def test_the_market_product_page_posts_to_the_cart_host(site_client, honey):
    page = site_client("market").get(f"/products/{honey.product.slug}/")
    action = get_site("cart").origin + "/add/"
    assert f'action="{action}"' in page.text
    assert f'name="ref" value="{honey.pk}"' in page.text


def test_a_sold_out_variant_has_no_add_button(site_client, make_variant):
    gone = make_variant("Gone", stock=0)
    page = site_client("market").get(f"/products/{gone.product.slug}/")
    assert "Sold out for now" in page.text
    assert "/add/" not in page.text
