import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.sites import get_site
from apps.market import services

pytestmark = pytest.mark.django_db

LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture
def market(site_client):
    return site_client("market")


def names(page):
    return [product.name for product in page.context["page"].object_list]


def test_home_shows_featured_products_and_producers(market, make_product, dairy_farm):
    make_product("Wildflower honey", featured=True, image=True)
    make_product("Plain honey")

    page = market.get("/")

    assert page.status_code == 200
    assert "Wildflower honey" in page.text
    assert "Plain honey" not in page.text
    assert "Millbrook Dairy" in page.text


def test_a_category_filter_includes_its_sub_categories(market, make_product, dairy_farm):
    make_product("Honey", category="honey")
    make_product("Butter", category="dairy", producer=dairy_farm)

    assert names(market.get("/products/", {"category": "pantry"})) == ["Honey"]
    assert names(market.get("/products/", {"category": "dairy"})) == ["Butter"]
    assert names(market.get("/products/", {"producer": "millbrook-dairy"})) == ["Butter"]
    assert names(market.get("/products/", {"category": "nowhere"})) == []


def test_in_stock_search_and_sort(market, make_product, dairy_farm):
    make_product("Wildflower honey", price="9.00", stock=0)
    make_product("Heather honey", price="12.00", stock=4)
    make_product("Butter", price="4.00", producer=dairy_farm, category="dairy")

    assert names(market.get("/products/", {"in_stock": "true"})) == ["Butter", "Heather honey"]
    assert names(market.get("/products/", {"q": "honey"})) == ["Heather honey", "Wildflower honey"]
    assert names(market.get("/products/", {"q": "millbrook"})) == ["Butter"]
    assert names(market.get("/products/", {"sort": "price"})) == ["Butter", "Wildflower honey", "Heather honey"]
    assert names(market.get("/products/", {"sort": "-price"})) == ["Heather honey", "Wildflower honey", "Butter"]
    assert names(market.get("/products/", {"sort": "newest"})) == ["Butter", "Heather honey", "Wildflower honey"]
    assert names(market.get("/products/", {"sort": "bogus"})) == ["Butter", "Heather honey", "Wildflower honey"]


def test_hidden_products_are_not_listed(market, make_product):
    honey = make_product("Honey")
    services.set_products_active([honey.pk], False)

    assert names(market.get("/products/")) == []
    assert market.get("/products/honey/").status_code == 404


def test_pages_of_24_keep_the_filters(market, make_product):
    for number in range(30):
        make_product(f"Honey {number:02}")

    first = market.get("/products/", {"q": "honey"})
    second = market.get("/products/", {"q": "honey", "page": 2})

    assert len(names(first)) == 24
    assert names(second) == [f"Honey {number}" for number in range(24, 30)]
    assert 'href="?q=honey&amp;page=2"' in first.text


def list_queries(market, path):
    """Return the queries of one page load, the header's cached fragments (menu, badges) warm first."""
    market.get(path)
    with CaptureQueriesContext(connection) as queries:
        assert market.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize(
    "path", ["/", "/products/", "/products/?category=pantry&sort=price", "/producers/hillside-apiary/"]
)
def test_lists_make_the_same_queries_for_3_or_30_products(market, make_product, path):
    for number in range(3):
        make_product(f"Honey {number}", featured=True, image=True)
    few = list_queries(market, path)
    for number in range(3, 30):
        make_product(f"Honey {number}", featured=True, image=True)
    many = list_queries(market, path)

    assert len(many) == len(few), "\n".join(many)
    assert len(few) <= 7, "\n".join(few)


def test_the_product_page_shows_variants_price_with_vat_and_stock(market, make_product):
    honey = make_product("Honey", price="10.00", stock=0)
    services.add_variant(honey, name="Big jar", sku="BIG", price="20.00", vat_rate="5.5", stock=3)

    page = market.get("/products/honey/")
    assert page.context["chosen"].sku == "BIG"  # the first variant that can be sold
    assert "21.10 EUR" in page.text
    assert "In stock" in page.text
    assert f'action="{get_site("cart").origin}/add/"' in page.text  # the add-to-cart form posts to the cart host

    picked = market.get("/products/honey/", {"variant": honey.variants.get(price="10.00").sku})
    assert "12.00 EUR" in picked.text
    assert "Out of stock" in picked.text
    assert "Sold out for now" in picked.text
    assert "/add/" not in picked.text


def test_the_product_page_describes_the_product_for_machines(market, make_product):
    honey = make_product("Honey </script><script>alert(1)</script>", price="10.00", stock=0, image=True)

    page = market.get(honey.get_absolute_url())

    assert "<script>alert(1)" not in page.text
    [block] = LD_JSON.findall(page.text)
    data = json.loads(block)
    assert data["@type"] == "Product"
    assert data["name"] == honey.name
    assert data["image"][0].startswith("http://market.localhost/media/market/products/")
    assert data["url"] == honey.get_absolute_url() == "http://market.localhost/products/honey-scriptscriptalert1script/"
    [offer] = data["offers"]
    assert offer == {
        "@type": "Offer",
        "sku": honey.variants.get().sku,
        "name": "Jar",
        "price": "12.00",
        "priceCurrency": "EUR",
        "availability": "https://schema.org/OutOfStock",
        "url": f"{honey.get_absolute_url()}?variant={offer['sku']}",
    }
    assert '<meta property="og:type" content="product">' in page.text
    assert f'<meta property="og:url" content="{honey.get_absolute_url()}">' in page.text
    assert '<meta property="og:image" content="http://market.localhost/media/market/products/' in page.text


def test_the_producer_page_tells_its_story_and_lists_its_products(market, make_product, dairy_farm):
    make_product("Honey")
    make_product("Butter", producer=dairy_farm, category="dairy")

    page = market.get("/producers/hillside-apiary/")

    assert "Forty hives." in page.text
    assert names(page) == ["Honey"]
    assert market.get("/producers/nobody/").status_code == 404
