"""The market actor announces products on sale to its followers: a Note with photo, price and link."""

import pytest

from apps.federation.models import APActivity
from apps.market import services
from apps.market.models import Product

from .conftest import png

MARKET = "http://market.localhost/actors/market"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block queued for commit, as the end of a request's transaction would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def sent():
    return list(APActivity.objects.outbound().filter(actor_url=MARKET).order_by("pk"))


def test_a_new_product_is_announced_once_with_its_photo_price_and_link(committed, categories, apiary):
    with committed():
        product = services.create_product(
            producer=apiary, category=categories["honey"], name="Heather honey", description="Set in the comb."
        )
        services.add_variant(product, name="340 g", sku="HE-340", price="10.00", vat_rate="5.5")
        services.add_variant(product, name="680 g", sku="HE-680", price="18.00", vat_rate="5.5")
        services.add_product_image(product, png(name="comb.png"), alt="A jar of dark honey")

    [create] = sent()
    note = create.payload["object"]
    assert (create.type, note["type"], note["attributedTo"]) == ("Create", "Note", MARKET)
    assert "<strong>Heather honey</strong> from Hillside Apiary" in note["content"]
    assert "from 10.55 EUR, VAT included" in note["content"]
    assert 'href="http://market.localhost/products/heather-honey/"' in note["content"]
    assert note["url"] == "http://market.localhost/products/heather-honey/"
    [image] = note["attachment"]
    assert image["type"] == "Image"
    assert image["mediaType"] == "image/png"
    assert image["url"].startswith("http://market.localhost/media/market/products/")
    assert image["name"] == "A jar of dark honey"


def test_a_product_with_nothing_to_sell_is_not_announced(committed, categories, apiary):
    with committed():
        services.create_product(producer=apiary, category=categories["honey"], name="Coming soon")

    assert sent() == []


def test_a_price_change_sends_an_update_and_an_unchanged_save_nothing(committed, make_product):
    with committed():
        product = make_product("Clover honey", price="5.00")
    variant = product.variants.get()

    with committed():
        services.product_changed(product.pk)  # nothing changed
    variant.price = "6.00"
    variant.save()
    with committed():
        services.product_changed(product.pk)

    assert [activity.type for activity in sent()] == ["Create", "Update"]
    assert "7.20 EUR" in sent()[-1].payload["object"]["content"]  # 6.00 and 20 % VAT


def test_hiding_withdraws_it_and_showing_announces_it_again(committed, make_product):
    with committed():
        product = make_product("Rapeseed honey")

    with committed():
        assert services.set_products_active([product.pk], False) == 1
    with committed():
        assert services.set_products_active([product.pk], False) == 0  # hidden already: nothing
    with committed():
        services.set_products_active([product.pk], True)

    assert [activity.type for activity in sent()] == ["Create", "Delete", "Create"]
    assert sent()[1].payload["object"]["type"] == "Tombstone"


def test_a_product_deleted_in_the_admin_is_withdrawn(committed, make_product, steward, site_client):
    with committed():
        product = make_product("Borage honey")
    admin = site_client("market")
    admin.force_login(steward)

    with committed():
        response = admin.post(f"/admin/market/product/{product.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    assert [activity.type for activity in sent()] == ["Create", "Delete"]
