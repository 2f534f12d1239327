import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(site_client):
    return site_client("market", HTTP_ACCEPT="application/json")


def slugs(answer):
    assert answer.status_code == 200, answer.content
    return [item["slug"] for item in answer.json()["results"]]


def test_the_product_list_gives_prices_with_vat_and_absolute_links(api, make_product):
    make_product("Honey", price="10.00", stock=2, image=True)

    answer = api.get("/api/products/")

    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 1
    [honey] = body["results"]
    assert honey["url"] == "http://market.localhost/products/honey/"
    assert honey["producer"] == {"slug": "hillside-apiary", "name": "Hillside Apiary"}
    assert honey["category"] == {"slug": "honey", "name": "Honey"}
    [variant] = honey["variants"]
    assert variant | {"sku": None} == {
        "sku": None,
        "name": "Jar",
        "price": "10.00",
        "vat_rate": "20.00",
        "price_with_vat": "12.00",
        "currency": "EUR",
        "stock": 2,
        "stock_state": "in_stock",
    }
    assert honey["images"][0]["thumbnail"].startswith("http://market.localhost/media/market/thumbnails/")


def test_products_are_filtered_and_searched_as_on_the_pages(api, make_product, dairy_farm):
    make_product("Wildflower honey", stock=0)
    make_product("Heather honey", stock=1)
    make_product("Butter", producer=dairy_farm, category="dairy")

    assert slugs(api.get("/api/products/", {"category": "pantry"})) == ["heather-honey", "wildflower-honey"]
    assert slugs(api.get("/api/products/", {"producer": "millbrook-dairy"})) == ["butter"]
    assert slugs(api.get("/api/products/", {"in_stock": "true"})) == ["butter", "heather-honey"]
    assert slugs(api.get("/api/products/", {"in_stock": "false"})) == ["wildflower-honey"]
    assert slugs(api.get("/api/products/", {"q": "wildflower"})) == ["wildflower-honey"]
    assert api.get("/api/products/", {"sort": "bogus"}).status_code == 400


def test_producers_are_listed_and_searched(api, apiary, dairy_farm):
    assert slugs(api.get("/api/producers/")) == ["hillside-apiary", "millbrook-dairy"]
    assert slugs(api.get("/api/producers/", {"search": "jerseys"})) == ["millbrook-dairy"]
    detail = api.get("/api/producers/millbrook-dairy/").json()
    assert detail["url"] == "http://market.localhost/producers/millbrook-dairy/"


def test_unknown_and_hidden_things_are_404(api, make_product):
    honey = make_product("Honey")
    honey.active = False
    honey.save(update_fields=["active"])

    assert api.get("/api/products/honey/").status_code == 404
    assert api.get("/api/products/nothing/").status_code == 404
    assert api.get("/api/producers/nobody/").status_code == 404


def test_pages_are_paginated(api, make_product):
    for number in range(55):
        make_product(f"Honey {number:02}")

    first = api.get("/api/products/").json()
    second = api.get(first["next"]).json()

    assert first["count"] == 55
    assert len(first["results"]) == 50
    assert len(second["results"]) == 5


@pytest.mark.parametrize("path", ["/api/products/", "/api/products/?category=pantry&in_stock=true", "/api/producers/"])
def test_api_lists_make_the_same_queries_for_3_or_30_rows(api, make_product, django_user_model, path):
    def queries():
        cache.clear()  # visitors' kept pages: each request below builds the list
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    for number in range(3):
        make_product(f"Honey {number}", image=True)
    few = queries()
    for number in range(3, 30):
        make_product(f"Honey {number}", image=True)
    many = queries()

    assert len(many) == len(few), "\n".join(many)
    assert len(few) <= 5, "\n".join(few)


def test_the_schema_is_valid_openapi_3_and_describes_the_filters(site_client):
    answer = site_client("market", HTTP_ACCEPT="application/vnd.oai.openapi+json").get("/api/schema/")

    assert answer.status_code == 200
    schema = answer.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/products/",
        "/api/products/{slug}/",
        "/api/producers/",
        "/api/producers/{slug}/",
    }
    parameters = {parameter["name"] for parameter in schema["paths"]["/api/products/"]["get"]["parameters"]}
    assert {"category", "producer", "in_stock", "q", "sort", "page"} <= parameters


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(site_client):
    page = site_client("market").get("/api/docs/")

    assert page.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page.text
    assert "<style>" not in page.text
    assert "cdn" not in page.text.lower()
    assert "data:" in page["Content-Security-Policy"]
    script = site_client("market").get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.text


def test_a_search_with_a_nul_character_is_refused_by_name(api):
    answer = api.get("/api/producers/", {"search": "honey\x00"})

    assert answer.status_code == 400
    assert answer.json() == {"search": ["Null characters are not allowed."]}


def test_a_slug_with_a_dot_gets_the_apis_json_404(api):
    answer = api.get("/api/producers/not.a-slug/")

    assert answer.status_code == 404
    assert answer.json() == {"detail": "No Producer matches the given query."}
