"""Named catalogue fixtures: a small category tree, two producers, and a factory for products."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.market import services

from .shop import Shop


def png(width=64, height=48, colour="#b03a5b", name="photo.png"):
    """Return an upload of a real PNG image."""
    out = BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def categories(db):
    """``pantry`` > ``honey`` and ``dairy``: a filter on pantry must include honey."""
    pantry = services.create_category(name="Pantry", slug="pantry")
    return {
        "pantry": pantry,
        "honey": services.create_category(name="Honey", slug="honey", parent=pantry),
        "dairy": services.create_category(name="Dairy", slug="dairy"),
    }


@pytest.fixture
def apiary(db):
    return services.create_producer(name="Hillside Apiary", slug="hillside-apiary", story="Forty hives.")


@pytest.fixture
def dairy_farm(db):
    return services.create_producer(name="Millbrook Dairy", slug="millbrook-dairy", story="Thirty Jerseys.")


@pytest.fixture
def make_product(categories, apiary):
    """Return ``make_product(name, price=..., stock=..., category=..., producer=...)`` with one variant."""
    counter = iter(range(1, 10_000))

    def make(name, *, price="5.00", stock=None, category="honey", producer=apiary, featured=False, image=False):
        product = services.create_product(
            producer=producer, category=categories[category], name=name, description=f"About {name}.", featured=featured
        )
        services.add_variant(product, name="Jar", sku=f"SKU-{next(counter)}", price=price, stock=stock)
        if image:
            services.add_product_image(product, png(), alt=name)
        return product

    return make


@pytest.fixture
def polite_settings(settings):
    """
    Outbound requests reach loopback (the test shop) and nothing else private; no delay between
    requests to one host, except in the test about the delay.
    """
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = False
    settings.ROSEASH_OUTBOUND_ALLOW_NETWORKS = ("127.0.0.0/8", "::1/128")
    settings.MARKET_SCRAPE_DELAY = 0
    return settings


@pytest.fixture
def shop(polite_settings, httpserver):
    return Shop(httpserver)
