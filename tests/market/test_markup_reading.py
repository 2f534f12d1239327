"""Reading a product out of a page's markup: the shapes shops write, without a network or a database."""

import json
from decimal import Decimal

import pytest

from apps.core.errors import RoseAshError
from apps.market.importing.reading import MarkupMissing, read_product
from apps.market.importing.scraping import normalise_url

URL = "https://shop.example/products/x"


def page(*blocks, head=""):
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(block)}</script>' for block in blocks)
    return f"<!doctype html><html><head>{head}{scripts}</head><body></body></html>".encode()


def test_a_product_group_in_a_graph_follows_references_by_id():
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "@id": "#shop", "name": "Orchard Lane"},
            {
                "@type": "ProductGroup",
                "name": "Apple Juice",
                "variesBy": "https://schema.org/size",
                "hasVariant": [{"@id": "#small"}, {"@id": "#large"}],
                "brand": {"@id": "#shop"},
            },
            {
                "@type": "Product",
                "@id": "#small",
                "size": "250 ml",
                "sku": "AJ-250",
                "offers": {"@type": "Offer", "price": "2.40", "priceCurrency": "eur"},
            },
            {
                "@type": "Product",
                "@id": "#large",
                "size": "1 l",
                "sku": "AJ-1000",
                "offers": {
                    "@type": "Offer",
                    "price": "6",
                    "priceCurrency": "EUR",
                    "availability": "https://schema.org/SoldOut",
                },
            },
        ],
    }

    product = read_product(page(graph), URL)

    assert (product.name, product.brand, product.syntax) == ("Apple Juice", "Orchard Lane", "json-ld")
    assert [(v.name, v.sku, v.price, v.currency, v.available) for v in product.variants] == [
        ("250 ml", "AJ-250", Decimal("2.40"), "EUR", True),
        ("1 l", "AJ-1000", Decimal("6.00"), "EUR", False),
    ]


def test_several_offers_are_several_variants_named_by_their_offers():
    block = {
        "@type": "Product",
        "name": "Honey",
        "brand": "Hillside",
        "offers": [
            {"@type": "Offer", "name": "Small jar", "price": "4.50", "priceCurrency": "EUR"},
            {"@type": "Offer", "name": "Large jar", "price": "8.00", "priceCurrency": "EUR"},
            {"@type": "Offer", "name": "No price"},
        ],
    }

    product = read_product(page(block), URL)

    assert [(v.key, v.name, v.price) for v in product.variants] == [
        ("Small jar", "Small jar", Decimal("4.50")),
        ("Large jar", "Large jar", Decimal("8.00")),
    ]


def test_an_aggregate_offer_listing_its_offers_gives_them_all():
    block = {
        "@type": "Product",
        "name": "Candles",
        "offers": {
            "@type": "AggregateOffer",
            "lowPrice": "3",
            "highPrice": "9",
            "offers": [
                {"@type": "Offer", "sku": "C-S", "name": "Taper", "price": "3", "priceCurrency": "EUR"},
                {"@type": "Offer", "sku": "C-L", "name": "Pillar", "price": "9", "priceCurrency": "EUR"},
            ],
        },
    }

    product = read_product(page(block), URL)

    assert [(v.sku, v.price) for v in product.variants] == [("C-S", Decimal("3.00")), ("C-L", Decimal("9.00"))]
    assert product.notes == ()


@pytest.mark.parametrize(
    ("price", "expected"),
    [("12.50", "12.50"), ("12,50", "12.50"), ("1,250.00", "1250.00"), ("€ 7", "7.00"), (3.456, "3.46")],
)
def test_prices_as_shops_write_them(price, expected):
    block = {"@type": "Product", "name": "X", "offers": {"@type": "Offer", "price": price, "priceCurrency": "EUR"}}

    assert read_product(page(block), URL).variants[0].price == Decimal(expected)


def test_a_price_in_a_price_specification_is_read():
    offer = {"@type": "Offer", "priceSpecification": {"price": "5.00", "priceCurrency": "GBP"}}
    block = {"@type": "Product", "name": "X", "offers": offer}

    [variant] = read_product(page(block), URL).variants

    assert (variant.price, variant.currency) == (Decimal("5.00"), "GBP")


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ({"@type": "Product", "offers": {"price": "1"}}, "its json-ld product has no name"),
        ({"@type": "Product", "name": "X"}, "its json-ld product “X” has no offer with a price"),
        ({"@type": "Product", "name": "X", "offers": {"price": "free"}}, "has no offer with a price"),
        ({"@type": "ProductGroup", "name": "X", "hasVariant": []}, "ProductGroup lists no variant with a price"),
    ],
)
def test_a_product_without_what_we_need_is_refused_with_the_reason(block, reason):
    with pytest.raises(MarkupMissing, match=reason):
        read_product(page(block), URL)


def test_other_json_ld_alone_is_no_product():
    with pytest.raises(MarkupMissing, match="no product markup"):
        read_product(page({"@type": "Organization", "name": "Shop"}), URL)


def test_opengraph_without_a_price_is_refused():
    head = '<meta property="og:type" content="product"><meta property="og:title" content="X">'

    with pytest.raises(MarkupMissing, match="has no price"):
        read_product(page(head=head), URL)


def test_a_description_loses_its_html_and_keeps_its_paragraphs():
    block = {
        "@type": "Product",
        "name": "X",
        "description": '<p>One &amp; two.</p><p>Three<br>four <b onclick="x()">five</b></p>',
        "offers": {"price": "1", "priceCurrency": "EUR"},
    }

    assert read_product(page(block), URL).description == "One & two.\nThree\nfour five"


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("HTTPS://Shop.Example:443/p?b=2&a=1#top", "https://shop.example/p?a=1&b=2"),
        ("http://shop.example:8080/p?utm_source=x&fbclid=y&id=3", "http://shop.example:8080/p?id=3"),
        ("  https://shop.example  ", "https://shop.example/"),
    ],
)
def test_addresses_are_normalised(given, normal):
    assert normalise_url(given) == normal


@pytest.mark.parametrize("given", ["shop.example/p", "mailto:a@b", "https://", "http://shop.example:99999/"])
def test_what_is_no_web_address_is_refused(given):
    with pytest.raises(RoseAshError) as refused:
        normalise_url(given)
    assert refused.value.code == "url_invalid"
