from decimal import Decimal

import pytest

from apps.core.errors import RoseAshError
from apps.market import pricing, services
from apps.market.models import Product, StockState

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("net", "rate", "gross"),
    [("10.00", "20", "12.00"), ("5.50", "5.5", "5.80"), ("0.05", "10", "0.06"), ("3.33", "0", "3.33")],
)
def test_gross_price_adds_vat_rounded_half_up(net, rate, gross):
    assert pricing.gross(Decimal(net), Decimal(rate)) == Decimal(gross)
    assert pricing.vat_amount(Decimal(net), Decimal(rate)) + Decimal(net) == Decimal(gross)


def test_a_variant_shows_its_price_with_vat(make_product):
    variant = make_product("Honey", price="5.50").variants.get()
    variant.vat_rate = Decimal("5.5")

    assert variant.price_with_vat == Decimal("5.80")
    assert variant.currency == "EUR"


@pytest.mark.parametrize(
    ("stock", "state", "available"),
    [(None, StockState.NOT_TRACKED, True), (3, StockState.IN_STOCK, True), (0, StockState.OUT_OF_STOCK, False)],
)
def test_stock_states(make_product, stock, state, available):
    product = make_product("Honey", stock=stock)
    variant = product.variants.get()

    assert variant.stock_state == state
    assert variant.available is available
    assert product.in_stock is available


def test_a_negative_price_is_refused_and_nothing_saved(make_product):
    product = make_product("Honey")

    with pytest.raises(RoseAshError) as refused:
        services.add_variant(product, name="Big", sku="BIG", price="-1.00")

    assert refused.value.code == "variant_invalid"
    assert "cannot be negative" in refused.value.message
    assert product.variants.count() == 1


def test_a_duplicate_slug_is_refused_with_a_clear_message(make_product, categories, apiary):
    make_product("Honey")

    with pytest.raises(RoseAshError) as refused:
        services.create_product(producer=apiary, category=categories["honey"], name="Honey")

    assert refused.value.code == "product_invalid"
    assert refused.value.message == "A product with this slug exists already; choose another."
    assert Product.objects.count() == 1


def test_a_duplicate_sku_and_a_bad_currency_are_refused(make_product):
    product = make_product("Honey")
    sku = product.variants.get().sku

    with pytest.raises(RoseAshError, match="SKU exists already"):
        services.add_variant(product, name="Again", sku=sku, price="1")
    with pytest.raises(RoseAshError, match="ISO 4217"):
        services.add_variant(product, name="Dollars", sku="USD-1", price="1", currency="usd")
    with pytest.raises(RoseAshError, match="percentage from 0 to 100"):
        services.add_variant(product, name="Taxed", sku="TAX-1", price="1", vat_rate="120")


def test_the_category_tree_is_built_from_one_query(categories, django_assert_num_queries):
    services.create_category(name="Heather", slug="heather", parent=categories["honey"])

    with django_assert_num_queries(1):
        tree = services.category_tree()

    assert [(node.slug, node.depth) for root in tree for node in root.walk()] == [
        ("dairy", 0),
        ("pantry", 0),
        ("honey", 1),
        ("heather", 2),
    ]
    assert set(services.category_ids_under("honey")) == {categories["honey"].pk, tree[1].children[0].children[0].id}
    assert services.category_ids_under("nowhere") == []


def test_unknown_or_inactive_products_are_not_found(make_product):
    product = make_product("Honey")
    services.set_products_active([product.pk], False)

    with pytest.raises(RoseAshError) as missing:
        services.get_product("honey")
    assert missing.value.status == 404
    with pytest.raises(RoseAshError):
        services.get_producer("nobody")


def test_showing_hiding_and_featuring_count_only_changes(make_product):
    honey, butter = make_product("Honey"), make_product("Butter", featured=True)

    assert services.set_products_featured([honey.pk, butter.pk], True) == 1
    assert services.set_products_active([honey.pk], False) == 1
    assert services.set_products_active([honey.pk], False) == 0
    assert [p.slug for p in services.featured_products()] == ["butter"]
