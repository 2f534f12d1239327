import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.market.models import Product, ProductImage

from .conftest import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(site_client, steward):
    return site_client("market", signed_in=steward)


def test_the_product_list_searches_and_filters(staff_client, make_product, dairy_farm):
    make_product("Wildflower honey", stock=0)
    make_product("Butter", producer=dairy_farm, category="dairy")

    page = staff_client.get("/admin/market/product/", {"q": "honey"})
    assert page.status_code == 200
    assert "Wildflower honey" in page.text
    assert "Butter" not in page.text

    for query, shown, hidden in [
        ({"stock": "sold_out"}, "Wildflower honey", "Butter"),
        ({"stock": "untracked"}, "Butter", "Wildflower honey"),
        ({"producer__id__exact": dairy_farm.pk}, "Butter", "Wildflower honey"),
        ({"featured__exact": "0", "active__exact": "1"}, "Butter", "No such product"),
    ]:
        page = staff_client.get("/admin/market/product/", query)
        assert shown in page.text, query
        assert hidden not in page.text, query


@pytest.mark.parametrize(
    ("action", "field", "before", "after"),
    [("deactivate", "active", True, False), ("feature", "featured", False, True)],
)
def test_bulk_actions(staff_client, make_product, action, field, before, after):
    honey = make_product("Honey")
    assert getattr(honey, field) is before

    answer = staff_client.post(
        "/admin/market/product/", {"action": action, "_selected_action": [honey.pk]}, follow=True
    )

    assert "1 product" in answer.text
    honey.refresh_from_db()
    assert getattr(honey, field) is after


def test_a_product_is_added_with_a_variant_and_a_photo_inline(staff_client, categories, apiary):
    form = {
        "producer": apiary.pk,
        "category": categories["honey"].pk,
        "name": "Heather honey",
        "slug": "heather-honey",
        "description": "Thick.",
        "active": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-0-name": "340 g",
        "variants-0-sku": "HE-340",
        "variants-0-price": "11.00",
        "variants-0-vat_rate": "5.5",
        "variants-0-currency": "EUR",
        "variants-0-stock": "",
        "variants-0-position": "0",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-0-image": png(),
        "images-0-alt": "A jar",
        "images-0-position": "0",
    }

    answer = staff_client.post("/admin/market/product/add/", form)

    assert answer.status_code == 302, answer.context["errors"] if answer.context else answer
    product = Product.objects.get(slug="heather-honey")
    assert product.variants.get().stock_state == "not_tracked"
    assert product.images.get().thumbnail.name.endswith(".jpg")
    assert staff_client.get(f"/admin/market/product/{product.pk}/change/").status_code == 200


def test_an_html_page_named_png_is_refused_in_the_admin(staff_client, make_product):
    honey = make_product("Honey")
    page = staff_client.get(f"/admin/market/product/{honey.pk}/change/")
    form = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if key in {"producer", "category", "name", "slug", "description"}
    }
    variant = honey.variants.get()
    form |= {
        "active": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-0-id": variant.pk,
        "variants-0-product": honey.pk,
        "variants-0-name": variant.name,
        "variants-0-sku": variant.sku,
        "variants-0-price": "5.00",
        "variants-0-vat_rate": "20",
        "variants-0-currency": "EUR",
        "variants-0-position": "0",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-0-image": SimpleUploadedFile("x.png", b"<html></html>", content_type="image/png"),
        "images-0-position": "0",
    }

    answer = staff_client.post(f"/admin/market/product/{honey.pk}/change/", form)

    assert answer.status_code == 200
    assert "Upload a valid image" in answer.text
    assert not ProductImage.objects.exists()


@pytest.mark.parametrize("model", ["producer", "category", "product"])
def test_staff_pages_open(staff_client, make_product, model):
    make_product("Honey")
    assert staff_client.get(f"/admin/market/{model}/").status_code == 200
    assert staff_client.get(f"/admin/market/{model}/add/").status_code == 200
