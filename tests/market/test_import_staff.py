"""The staff's "import from URL" form on the market site: preview, then import; only for staff."""

from decimal import Decimal

import pytest

from apps.market.models import Product

pytestmark = pytest.mark.django_db

FORM = "/staff/import/"


@pytest.fixture
def staff_client(site_client, steward):
    return site_client("market", signed_in=steward)


def test_staff_preview_then_import(staff_client, shop, apiary, categories):
    url = shop.page("/products/heather-honey", "product_group.html")
    shop.photo("/images/heather.png")

    preview = staff_client.post(FORM, {"url": url, "action": "preview"})

    assert preview.status_code == 200
    assert "Heather Honey" in preview.text
    assert "227 g" in preview.text
    assert "14.40 EUR" in preview.text
    assert "Hillside Apiary" in preview.text
    assert 'value="save"' in preview.text
    assert Product.objects.count() == 0
    assert "/images/heather.png" not in shop.requested()

    saved = staff_client.post(
        FORM,
        {"url": url, "producer": apiary.slug, "category": "honey", "vat_rate": "10", "action": "save"},
        follow=True,
    )

    assert saved.redirect_chain == [(FORM, 302)]
    assert "“Heather Honey” is imported." in saved.text
    product = Product.objects.get()
    assert (product.producer, product.category, product.images.count()) == (apiary, categories["honey"], 1)
    assert {v.vat_rate for v in product.variants.all()} == {Decimal("10")}

    again = staff_client.post(FORM, {"url": url, "action": "save"}, follow=True)
    assert "“Heather Honey” is updated from its page." in again.text
    assert Product.objects.count() == 1


def test_a_refusal_is_shown_on_the_form(staff_client, shop):
    url = shop.page("/private/x", "shopify_product.html")

    answer = staff_client.post(FORM, {"url": url, "action": "preview"})

    assert answer.status_code == 400
    assert "robots.txt does not allow us to fetch this page" in answer.text
    assert 'value="save"' not in answer.text
    assert Product.objects.count() == 0


def test_warnings_of_the_import_are_shown(staff_client, shop):
    url = shop.page("/products/wildflower-honey", "shopify_product.html")  # its photos are not served

    answer = staff_client.post(FORM, {"url": url, "action": "save"}, follow=True)

    assert "the shop answered 404" in answer.text
    assert Product.objects.get().import_warnings.count("the shop answered 404") == 2


def test_an_address_that_is_no_url_is_a_form_error(staff_client, shop):
    answer = staff_client.post(FORM, {"url": "not an address at all", "action": "preview"})

    assert answer.status_code == 400
    assert shop.requested() == []


def test_a_visitor_is_sent_to_sign_in(site_client, shop):
    answer = site_client("market").get(FORM)

    assert answer.status_code == 302
    assert "/auth/login" in answer["Location"]


def test_a_member_who_is_not_staff_is_refused(site_client, member, shop):
    url = shop.page("/products/heather-honey", "product_group.html")
    client = site_client("market")
    client.force_login(member)

    assert client.get(FORM).status_code == 403
    assert client.post(FORM, {"url": url, "action": "save"}).status_code == 403
    assert Product.objects.count() == 0
    assert shop.requested() == []


def test_the_form_is_only_on_the_market_site(site_client, steward):
    client = site_client("blog")
    client.force_login(steward)

    assert client.get(FORM).status_code == 404
