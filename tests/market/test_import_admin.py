"""The admin's view of imported products: their state at a glance, price history, a re-scrape on demand."""

from decimal import Decimal

import pytest
from celery import current_app
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.market import services
from apps.market.models import PriceChange, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(site_client, steward):
    return site_client("market", signed_in=steward)


@pytest.fixture
def honey(shop):
    url = shop.page("/products/wildflower-honey", "shopify_product.html")  # its photos are not served: warnings
    return Product.objects.get(pk=services.import_product_from_url(url).product_id)


def test_the_list_says_which_products_are_imported_and_filters_them(staff_client, make_product, honey):
    make_product("Raw milk")

    page = staff_client.get("/admin/market/product/")
    assert "with warnings" in page.text

    only_imported = staff_client.get("/admin/market/product/", {"imported": "warnings"})
    assert "Wildflower Honey 340 g" in only_imported.text
    assert "Raw milk" not in only_imported.text

    Product.objects.filter(pk=honey.pk).update(vanished_at="2026-12-01T10:00:00Z", active=False)
    vanished = staff_client.get("/admin/market/product/", {"imported": "vanished"})
    assert "Wildflower Honey 340 g" in vanished.text
    assert ">vanished<" in vanished.text


def test_the_change_page_shows_warnings_and_price_history(staff_client, honey):
    page = staff_client.get(f"/admin/market/product/{honey.pk}/change/")

    assert page.status_code == 200
    assert "the shop answered 404" in page.text
    assert "Standard: — → 8.00 EUR (shown 9.60)" in page.text


def test_the_price_history_list_keeps_its_queries_whatever_its_length(staff_client, honey):
    variant = honey.variants.get()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get("/admin/market/pricechange/").status_code == 200
        return len(captured)

    few = queries()
    for price in ("8.10", "8.20", "8.30", "8.40"):
        PriceChange.objects.create(
            variant=variant, old_price=None, new_price=Decimal(price), source_price=Decimal(price), currency="EUR"
        )
    assert queries() == few


def test_the_rescrape_action_rereads_the_selected_products(
    staff_client, honey, shop, monkeypatch, django_capture_on_commit_callbacks
):
    shop.page("/products/wildflower-honey", "shopify_product.html", replace=[('"price": 9.60', '"price": 12.00')])
    monkeypatch.setitem(current_app.conf, "task_always_eager", True)  # the task runs here, on commit

    with django_capture_on_commit_callbacks(execute=True):
        answer = staff_client.post(
            "/admin/market/product/", {"action": "rescrape", "_selected_action": [honey.pk]}, follow=True
        )

    assert "1 imported product will be re-read" in answer.text
    assert honey.variants.get().price_with_vat == Decimal("12.00")
