"""The market's pages and API are kept for visitors; a product change or a reservation shows at once."""

import pytest

from apps.cart.services import provider_for
from apps.market import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor(site_client):
    return site_client("market")


PAGES = ["/", "/products/", "/products/honey/", "/producers/hillside-apiary/", "/api/products/"]


@pytest.mark.parametrize("path", PAGES)
def test_a_visitors_page_is_served_again_without_a_query(visitor, make_product, path, django_assert_num_queries):
    make_product("Honey", featured=True)
    first = visitor.get(path)

    with django_assert_num_queries(0):
        again = visitor.get(path)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content


def test_a_renamed_product_shows_at_once(visitor, make_product, django_capture_on_commit_callbacks):
    product = make_product("Honey")
    assert b"Honey" in visitor.get("/products/").content

    with django_capture_on_commit_callbacks(execute=True):
        product.name = "Heather honey"
        product.save()
        services.product_changed(product.pk)

    assert b"Heather honey" in visitor.get("/products/").content


def test_stock_taken_by_a_reservation_shows_at_once(visitor, make_product, django_capture_on_commit_callbacks):
    variant = make_product("Honey", stock=1).variants.get()
    assert b"Out of stock" not in visitor.get("/products/").content

    with django_capture_on_commit_callbacks(execute=True):
        provider_for("market.variant").reserve({str(variant.pk): 1}, "RA-TEST")

    assert b"Out of stock" in visitor.get("/products/").content
