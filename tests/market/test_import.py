"""Importing products from shop pages served on loopback: what is read, what is refused, what is saved."""

import itertools
from decimal import Decimal

import pytest

from apps.core.errors import RoseAshError
from apps.market import services
from apps.market.models import PriceChange, Producer, Product, ProductImage, Variant

pytestmark = pytest.mark.django_db


def serve_photos(shop, *paths):
    for path in paths:
        shop.photo(path)


def nothing_saved():
    return (Product.objects.count(), Variant.objects.count(), ProductImage.objects.count(), PriceChange.objects.count())


def test_a_json_ld_product_is_imported_with_its_brand_offer_and_photos(shop):
    url = shop.page("/products/wildflower-honey", "shopify_product.html")
    serve_photos(shop, "/cdn/shop/files/wildflower-front.png", "/cdn/shop/files/wildflower-back.png")

    result = services.import_product_from_url(url)

    product = Product.objects.get(pk=result.product_id)
    assert result.created
    assert result.warnings == ()
    assert product.name == "Wildflower Honey 340 g"
    assert product.description == "Raw, cold-extracted honey from our hives above the river.\nLime, clover & bramble."
    assert product.source_url == url
    assert product.producer.name == "Hillside Apiary"
    assert product.producer.website == shop.url("/")
    assert product.category.slug == "imported"
    assert product.active
    assert product.last_seen_at is not None
    [variant] = product.variants.all()
    assert (variant.name, variant.sku, variant.currency, variant.stock) == ("Standard", "HA-WF-340", "EUR", None)
    # 9.60 with 20 % VAT is 8.00 net: the page shows what a buyer pays, so do we.
    assert (variant.price, variant.price_with_vat) == (Decimal("8.00"), Decimal("9.60"))
    images = list(product.images.all())
    assert [image.source_url for image in images] == [
        shop.url("/cdn/shop/files/wildflower-front.png?v=1718"),
        shop.url("/cdn/shop/files/wildflower-back.png?v=1718"),
    ]
    assert all(image.image.name.endswith(".png") and image.thumbnail.name.endswith(".jpg") for image in images)
    [change] = PriceChange.objects.all()
    assert (change.old_price, change.new_price, change.source_price) == (None, Decimal("8.00"), Decimal("9.60"))


def test_the_requests_name_us_and_robots_txt_is_read_first(shop):
    url = shop.page("/products/wildflower-honey", "shopify_product.html")

    services.import_product_from_url(url)

    assert shop.requested()[:2] == ["/robots.txt", "/products/wildflower-honey"]
    agents = {entry[0].headers["User-Agent"] for entry in shop.server.log}
    assert len(agents) == 1
    assert agents.pop().startswith("RoseAsh/")


def test_an_existing_producer_and_category_named_by_the_markup_are_used(shop, categories, dairy_farm):
    url = shop.page("/shop/oak-smoked-cheddar/", "woocommerce_graph.html")
    shop.photo("/wp-content/uploads/2026/05/cheddar.png")

    result = services.import_product_from_url(url)

    product = Product.objects.get(pk=result.product_id)
    # The @graph's Product names its seller by @id, in another JSON-LD block.
    assert product.producer == dairy_farm
    assert product.category == categories["dairy"]
    assert [(v.sku, v.price_with_vat, v.currency) for v in product.variants.all()] == [
        ("MD-CHED-SMK", Decimal("7.20"), "GBP")
    ]
    assert Producer.objects.count() == 1


def test_an_aggregate_offer_becomes_one_variant_at_its_lowest_price_with_a_warning(shop):
    url = shop.page("/products/candles", "aggregate_offer.html")
    shop.photo("/images/candles.png")

    result = services.import_product_from_url(url)

    product = Product.objects.get(pk=result.product_id)
    assert [v.price_with_vat for v in product.variants.all()] == [Decimal("4.80")]
    assert "offers from 4.80 to 14.40" in product.import_warnings
    assert result.warnings == (product.import_warnings,)


def test_a_product_group_gives_a_variant_per_member_with_availability(shop):
    url = shop.page("/products/heather-honey", "product_group.html")
    shop.photo("/images/heather.png")

    product = Product.objects.get(pk=services.import_product_from_url(url).product_id)

    assert product.name == "Heather Honey"
    assert [(v.name, v.sku, v.price_with_vat, v.available) for v in product.variants.all()] == [
        ("227 g", "HA-HTH-227", Decimal("8.40"), True),
        ("454 g", "HA-HTH-454", Decimal("14.40"), False),
    ]


def test_microdata_alone_is_enough(shop):
    url = shop.page("/bread/rye", "microdata_only.html")
    shop.photo("/img/rye.png")

    product = Product.objects.get(pk=services.import_product_from_url(url).product_id)

    assert (product.name, product.producer.name) == ("Rye Sourdough", "Corner Bakery")
    assert [(v.sku, v.price_with_vat) for v in product.variants.all()] == [("CB-RYE-1000", Decimal("5.40"))]
    assert product.images.count() == 1


def test_opengraph_alone_is_enough(shop):
    url = shop.page("/cordial", "opengraph_only.html")
    shop.photo("/media/cordial.png")

    product = Product.objects.get(pk=services.import_product_from_url(url).product_id)

    assert (product.name, product.producer.name) == ("Elderflower Cordial 500 ml", "Orchard Lane")
    assert [(v.sku, v.price_with_vat, v.currency) for v in product.variants.all()] == [
        ("OL-ELD-500", Decimal("6.00"), "EUR")
    ]


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("no_markup.html", "no product to import: it has no product markup"),
        ("broken_json_ld.html", "no product to import: its JSON-LD is broken (not valid JSON)"),
    ],
)
def test_a_page_without_a_readable_product_is_refused_and_nothing_saved(shop, page, reason):
    url = shop.page("/about", page)

    with pytest.raises(RoseAshError) as refused:
        services.import_product_from_url(url)

    assert refused.value.code == "no_product_markup"
    assert refused.value.message.startswith(f"{url}: {reason}")
    assert nothing_saved() == (0, 0, 0, 0)
    assert Producer.objects.count() == 0


def test_broken_json_ld_beside_good_markup_costs_only_that_block(shop):
    opengraph = (
        '<meta property="og:type" content="product"><meta property="og:title" content="Lavender Soap">'
        '<meta property="product:price:amount" content="4.50"><meta property="product:price:currency" content="EUR">'
        '<meta property="og:site_name" content="Orchard Lane"></head>'
    )
    url = shop.page("/products/soap", "broken_json_ld.html", replace=[("</head>", opengraph)])

    result = services.import_product_from_url(url)

    assert result.warnings == ("1 JSON-LD block(s) on the page could not be read and were skipped",)
    assert Product.objects.get().name == "Lavender Soap"


def test_a_page_robots_txt_forbids_is_not_fetched(shop):
    url = shop.page("/private/secret-honey", "shopify_product.html")

    with pytest.raises(RoseAshError) as refused:
        services.import_product_from_url(url)

    assert refused.value.code == "robots_disallowed"
    assert refused.value.message == f"{url}: {shop.url('/robots.txt')} does not allow us to fetch this page."
    assert shop.requested() == ["/robots.txt"]
    assert nothing_saved() == (0, 0, 0, 0)


def test_a_redirect_to_a_page_robots_txt_forbids_is_not_used(shop):
    shop.page("/private/secret-honey", "shopify_product.html")
    url = shop.serve("/products/moved", "", status=301, Location="/private/secret-honey")

    with pytest.raises(RoseAshError) as refused:
        services.import_product_from_url(url)

    assert refused.value.code == "robots_disallowed"
    assert refused.value.message == (
        f"{url}: it redirects to {shop.url('/private/secret-honey')}: {shop.url('/robots.txt')} "
        "does not allow us to fetch this page."
    )
    assert nothing_saved() == (0, 0, 0, 0)


def test_a_robots_txt_that_fails_stops_everything_on_that_shop(shop):
    shop.serve("/robots.txt", "oops", status=503, content_type="text/plain")
    url = shop.page("/products/wildflower-honey", "shopify_product.html")

    with pytest.raises(RoseAshError, match=r"robots.txt could not be read \(the shop answered 503\)"):
        services.import_product_from_url(url)

    assert shop.requested() == ["/robots.txt"]


def test_a_shop_without_robots_txt_may_be_read(shop):
    del shop.routes["/robots.txt"]
    url = shop.page("/products/wildflower-honey", "shopify_product.html")

    assert services.import_product_from_url(url).created


@pytest.mark.parametrize("target", ["http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/"])
def test_a_redirect_to_a_private_address_is_refused(shop, target):
    url = shop.serve("/products/moved", "", status=302, Location=target)

    with pytest.raises(RoseAshError) as refused:
        services.import_product_from_url(url)

    assert refused.value.code == "fetch_failed"
    assert refused.value.message.startswith(f"{url}: refused: ")
    assert "private" in refused.value.message or "link-local" in refused.value.message
    assert nothing_saved() == (0, 0, 0, 0)


def test_loopback_is_refused_when_not_allowed(shop, settings):
    settings.ROSEASH_OUTBOUND_ALLOW_NETWORKS = ()
    url = shop.page("/products/wildflower-honey", "shopify_product.html")

    with pytest.raises(RoseAshError, match="loopback"):
        services.import_product_from_url(url)

    assert shop.requested() == []


def test_a_server_error_is_refused(shop):
    url = shop.serve("/products/broken", "Internal Server Error", status=500)

    with pytest.raises(RoseAshError) as refused:
        services.import_product_from_url(url)

    assert refused.value.message == f"{url}: the shop answered 500, not the page."
    assert nothing_saved() == (0, 0, 0, 0)


def test_a_page_of_20_mb_is_refused(shop):
    page = "<html><body>" + "x" * (20 * 1024 * 1024) + "</body></html>"
    url = shop.serve("/products/huge", page)

    with pytest.raises(RoseAshError) as refused:
        services.import_product_from_url(url)

    assert refused.value.message.startswith(f"{url}: the answer is too large")
    assert nothing_saved() == (0, 0, 0, 0)


def test_something_else_than_a_page_is_refused(shop):
    url = shop.photo("/products/a-photo.png")

    with pytest.raises(RoseAshError, match=r"not a web page \(it is image/png\)"):
        services.import_product_from_url(url)


def test_a_second_import_of_the_same_page_updates_the_product(shop):
    url = shop.page("/products/wildflower-honey", "shopify_product.html")
    serve_photos(shop, "/cdn/shop/files/wildflower-front.png", "/cdn/shop/files/wildflower-back.png")
    first = services.import_product_from_url(url)
    shop.page(
        "/products/wildflower-honey",
        "shopify_product.html",
        replace=[('"price": 9.60', '"price": 10.80'), ("Wildflower Honey 340 g", "Wildflower Honey, 340 g jar")],
    )

    # Spelled differently: upper-case host, a fragment, a tracking parameter.
    again = services.import_product_from_url(url.replace("localhost", "LOCALHOST") + "?utm_source=mail#reviews")

    assert (again.product_id, again.created) == (first.product_id, False)
    assert Product.objects.count() == 1
    product = Product.objects.get()
    assert product.name == "Wildflower Honey, 340 g jar"
    [variant] = product.variants.all()
    assert variant.price_with_vat == Decimal("10.80")
    assert [(c.old_price, c.new_price) for c in variant.price_changes.all()] == [
        (Decimal("8.00"), Decimal("9.00")),
        (None, Decimal("8.00")),
    ]
    # The photos it has are not fetched again.
    assert shop.requested().count("/cdn/shop/files/wildflower-front.png") == 1
    assert product.images.count() == 2


def test_a_photo_that_fails_is_a_warning_not_a_failed_import(shop):
    url = shop.page("/products/wildflower-honey", "shopify_product.html")
    shop.serve("/cdn/shop/files/wildflower-front.png", "<html>not a picture</html>", content_type="image/png")
    # The back photo is not served at all: 404.

    result = services.import_product_from_url(url)

    product = Product.objects.get(pk=result.product_id)
    assert product.images.count() == 0
    front, back = (
        shop.url("/cdn/shop/files/wildflower-front.png?v=1718"),
        shop.url("/cdn/shop/files/wildflower-back.png?v=1718"),
    )
    assert result.warnings == (
        f"Photo {front}: This file is not a PNG, JPEG, GIF or WebP image (or it is damaged). "
        "Upload a picture in one of those.",
        f"Photo {back}: the shop answered 404.",
    )
    assert product.import_warnings == "\n".join(result.warnings)


def test_a_page_naming_no_producer_needs_one_given(shop, apiary, categories):
    url = shop.page(
        "/products/wildflower-honey",
        "shopify_product.html",
        replace=[('"brand": {"@type": "Brand", "name": "Hillside Apiary"},', "")],
    )

    with pytest.raises(RoseAshError) as refused:
        services.import_product_from_url(url)
    assert refused.value.code == "producer_missing"
    assert nothing_saved() == (0, 0, 0, 0)

    result = services.import_product_from_url(url, producer=apiary, category=categories["honey"])
    product = Product.objects.get(pk=result.product_id)
    assert (product.producer, product.category.slug) == (apiary, "honey")


def test_a_sku_taken_by_another_product_gets_a_suffix(shop, make_product):
    other = make_product("Old honey")
    other.variants.update(sku="HA-WF-340")
    url = shop.page("/products/wildflower-honey", "shopify_product.html")

    product = Product.objects.get(pk=services.import_product_from_url(url).product_id)

    assert [v.sku for v in product.variants.all()] == ["HA-WF-340-2"]


def test_the_preview_reads_the_page_and_saves_nothing(shop):
    url = shop.page("/products/heather-honey", "product_group.html")

    preview = services.preview_product_from_url(url)

    assert preview.product.name == "Heather Honey"
    assert [v.name for v in preview.product.variants] == ["227 g", "454 g"]
    assert (preview.existing_product_id, preview.producer_name, preview.producer_exists) == (
        None,
        "Hillside Apiary",
        False,
    )
    assert nothing_saved() == (0, 0, 0, 0)
    assert "/images/heather.png" not in shop.requested()


@pytest.mark.parametrize("url", ["", "ftp://shop.example/x", "javascript:alert(1)", "http://user:pw@shop.example/"])
def test_what_is_not_a_web_address_is_refused_before_any_request(shop, url):
    with pytest.raises(RoseAshError) as refused:
        services.import_product_from_url(url)

    assert refused.value.code == "url_invalid"
    assert shop.requested() == []


def test_the_delay_per_host_spaces_requests_out(shop, settings):
    settings.MARKET_SCRAPE_DELAY = 1
    url = shop.page("/products/wildflower-honey", "shopify_product.html")
    serve_photos(shop, "/cdn/shop/files/wildflower-front.png", "/cdn/shop/files/wildflower-back.png")

    services.import_product_from_url(url)

    times = shop.times
    # robots.txt, the page, two photos: four requests at least a second apart.
    assert len(times) == 4
    assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(times))
