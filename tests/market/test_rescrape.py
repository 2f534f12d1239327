"""Re-reading imported products: conditional GETs, price history, products that vanished from their shop."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from celery import current_app
from django.utils import timezone

from apps.core.errors import RoseAshError
from apps.market import services
from apps.market.models import PriceChange, Product
from apps.market.tasks import rescrape_imported_products_task, rescrape_product_task
from roseash.celery import app as celery_app
from tests.workers import celery_worker

pytestmark = pytest.mark.django_db

PAGE = "/products/heather-honey"


@pytest.fixture
def imported(shop):
    """The heather honey, imported from a page that answers with an ETag and a Last-Modified date."""
    shop.photo("/images/heather.png")
    url = shop.page(PAGE, "product_group.html", ETag='"v1"', Last_Modified="Tue, 01 Dec 2026 10:00:00 GMT")
    product = Product.objects.get(pk=services.import_product_from_url(url).product_id)
    assert (product.source_etag, product.source_last_modified) == ('"v1"', "Tue, 01 Dec 2026 10:00:00 GMT")
    return product


def requests_for(shop, path):
    return [entry[0] for entry in shop.server.log if entry[0].path == path]


def test_an_unchanged_page_answers_304_and_only_last_seen_moves(shop, imported):
    before = Product.objects.get(pk=imported.pk)

    result = services.rescrape_product(imported.pk)

    assert (result.outcome, result.price_changes) == ("unchanged", 0)
    conditional = requests_for(shop, PAGE)[-1]
    assert conditional.headers["If-None-Match"] == '"v1"'
    assert conditional.headers["If-Modified-Since"] == "Tue, 01 Dec 2026 10:00:00 GMT"
    after = Product.objects.get(pk=imported.pk)
    assert after.last_seen_at > before.last_seen_at
    assert after.updated_at == before.updated_at
    assert PriceChange.objects.count() == 2  # the two variants' first prices, from the import
    assert shop.requested().count("/images/heather.png") == 1


def test_a_changed_price_is_recorded_in_the_variants_history(shop, imported):
    shop.page(PAGE, "product_group.html", replace=[('"price": "8.40"', '"price": "9.00"')], ETag='"v2"')

    result = services.rescrape_product(imported.pk)

    assert (result.outcome, result.price_changes) == ("updated", 1)
    small = imported.variants.get(sku="HA-HTH-227")
    assert small.price_with_vat == Decimal("9.00")
    assert [(c.old_price, c.new_price, c.source_price) for c in small.price_changes.all()] == [
        (Decimal("7.00"), Decimal("7.50"), Decimal("9.00")),
        (None, Decimal("7.00"), Decimal("8.40")),
    ]
    assert imported.variants.get(sku="HA-HTH-454").price_changes.count() == 1
    assert Product.objects.get(pk=imported.pk).source_etag == '"v2"'


def test_a_variant_gone_from_the_page_is_sold_out_and_a_new_one_added(shop, imported):
    shop.page(PAGE, "product_group.html", replace=[('"sku": "HA-HTH-454"', '"sku": "HA-HTH-1000"')], ETag='"v3"')

    assert services.rescrape_product(imported.pk).outcome == "updated"

    variants = {v.sku: v for v in imported.variants.all()}
    assert set(variants) == {"HA-HTH-227", "HA-HTH-454", "HA-HTH-1000"}
    assert variants["HA-HTH-454"].stock == 0
    assert "Variant “454 g” is no longer on the page" in Product.objects.get(pk=imported.pk).import_warnings


@pytest.mark.parametrize("status", [404, 410])
def test_a_page_gone_flags_and_hides_the_product_without_deleting_it(shop, imported, status):
    shop.serve(PAGE, "Gone", status=status)

    result = services.rescrape_product(imported.pk)

    assert result.outcome == "vanished"
    product = Product.objects.get(pk=imported.pk)
    assert not product.active
    assert product.vanished_at is not None
    assert product.scrape_problem == f"{product.source_url}: the shop answered {status}: the page is gone."
    assert product.variants.count() == 2


def test_a_page_without_its_product_any_more_flags_it_and_its_return_shows_it_again(shop, imported):
    shop.page(PAGE, "no_markup.html")
    assert services.rescrape_product(imported.pk).outcome == "vanished"
    vanished_at = Product.objects.get(pk=imported.pk).vanished_at
    # A second check while still gone keeps the first time it was missed.
    assert services.rescrape_product(imported.pk).outcome == "vanished"
    assert Product.objects.get(pk=imported.pk).vanished_at == vanished_at

    shop.page(PAGE, "product_group.html", ETag='"v4"')
    assert services.rescrape_product(imported.pk).outcome == "updated"

    product = Product.objects.get(pk=imported.pk)
    assert (product.active, product.vanished_at, product.scrape_problem) == (True, None, "")


def test_a_failing_shop_is_noted_not_flagged(shop, imported):
    shop.serve(PAGE, "Down for maintenance", status=503)

    result = services.rescrape_product(imported.pk)

    assert result.outcome == "failed"
    product = Product.objects.get(pk=imported.pk)
    assert product.active
    assert product.vanished_at is None
    assert product.scrape_problem == f"{product.source_url}: the shop answered 503, not the page."


def test_only_imported_products_are_rescraped(make_product):
    product = make_product("Entered by hand")

    with pytest.raises(RoseAshError) as refused:
        services.rescrape_product(product.pk)
    assert refused.value.status == 404
    assert rescrape_product_task.apply(args=[product.pk]).get() == "unknown"


def test_the_products_due_are_those_not_checked_lately(make_product, shop, imported):
    make_product("Entered by hand")
    assert services.products_due_for_rescrape() == []

    Product.objects.filter(pk=imported.pk).update(last_checked_at=timezone.now() - timedelta(hours=25))
    assert services.products_due_for_rescrape() == [imported.pk]


def test_the_beat_task_sends_the_due_products_to_their_own_task(shop, imported, monkeypatch):
    Product.objects.filter(pk=imported.pk).update(last_checked_at=timezone.now() - timedelta(days=2))
    shop.serve(PAGE, "Gone", status=410)
    # The per-product tasks run in this process (as without a broker); a real worker runs them below.
    monkeypatch.setitem(current_app.conf, "task_always_eager", True)

    assert rescrape_imported_products_task.apply().get() == 1

    assert Product.objects.get(pk=imported.pk).vanished_at is not None
    assert rescrape_product_task.apply(args=[imported.pk]).get() == "vanished"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_task_and_records_a_price_change(shop, imported):
    Product.objects.filter(pk=imported.pk).update(last_checked_at=timezone.now() - timedelta(days=2))
    shop.page(PAGE, "product_group.html", replace=[('"price": "14.40"', '"price": "15.60"')], ETag='"v5"')
    environment = {"ROSEASH_OUTBOUND_ALLOW_NETWORKS": "127.0.0.0/8,::1/128", "MARKET_SCRAPE_DELAY": "0"}

    with celery_worker(queues=("fetch",), extra_env=environment):
        assert rescrape_imported_products_task.delay().get(timeout=60) == 1
        deadline = timezone.now() + timedelta(seconds=60)
        while Product.objects.get(pk=imported.pk).source_etag != '"v5"' and timezone.now() < deadline:
            time.sleep(0.2)

    large = imported.variants.get(sku="HA-HTH-454")
    assert large.price_with_vat == Decimal("15.60")
    assert [c.new_price for c in large.price_changes.all()] == [Decimal("13.00"), Decimal("12.00")]


def test_beat_runs_the_rescrape_hourly_on_the_fetch_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["rescrape-imported-products"]

    assert entry["task"] == "market.rescrape_imported_products"
    assert {"market.rescrape_imported_products", "market.rescrape_product"} <= set(celery_app.tasks)
    assert settings.CELERY_TASK_ROUTES["market.rescrape_product"] == {"queue": "fetch"}
