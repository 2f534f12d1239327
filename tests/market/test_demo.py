import pytest
from django.core.management import call_command
from PIL import Image

from apps.market.models import Category, Producer, Product, ProductImage, Variant

pytestmark = pytest.mark.django_db


def catalogue():
    return {
        model.__name__: sorted(map(str, model.objects.values_list("pk", flat=True)))
        for model in (Producer, Category, Product, Variant, ProductImage)
    }


def test_seeding_the_market_twice_gives_the_same_catalogue(settings):
    settings.DEBUG = True  # seed_demo is for development servers
    call_command("seed_demo", verbosity=0)
    first = catalogue()
    call_command("seed_demo", verbosity=0)

    assert catalogue() == first
    assert len(first["Producer"]) == 4
    assert Product.objects.filter(featured=True).count() == 4
    assert Variant.objects.filter(stock__isnull=True).exists()
    assert Variant.objects.filter(stock=0).exists()
    photo = ProductImage.objects.select_related("product").first()
    with Image.open(photo.image.path) as image:
        assert image.format == "PNG"
    assert photo.thumbnail
