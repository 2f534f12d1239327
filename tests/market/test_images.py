from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.core.errors import RoseAshError
from apps.market import images, services
from apps.market.models import ProductImage

from .conftest import png

pytestmark = pytest.mark.django_db


def test_a_photo_is_stored_under_our_name_with_a_thumbnail(make_product):
    product = make_product("Honey")
    upload = png(1200, 900, name="../../etc/passwd.gif")

    image = services.add_product_image(product, upload, alt="A jar")

    assert image.image.name.startswith("market/products/")
    assert image.image.name.endswith(".png")
    assert "passwd" not in image.image.name
    with Image.open(image.thumbnail.path) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (480, 360)


def test_an_html_file_named_png_is_refused(make_product):
    product = make_product("Honey")
    fake = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png")

    with pytest.raises(RoseAshError) as refused:
        services.add_product_image(product, fake)

    assert refused.value.code == "image_invalid"
    assert "not a PNG, JPEG, GIF or WebP" in refused.value.message
    assert not ProductImage.objects.exists()


def test_an_oversized_file_is_refused(make_product, monkeypatch):
    monkeypatch.setattr(images, "MAX_BYTES", 1024)
    out = BytesIO()
    Image.effect_noise((200, 200), 100).save(out, "PNG")  # noise does not compress below 1 KiB

    with pytest.raises(RoseAshError, match="may be at most 1 KiB"):
        services.add_product_image(make_product("Honey"), SimpleUploadedFile("big.png", out.getvalue()))


def test_an_image_too_large_in_pixels_is_refused(make_product):
    with pytest.raises(RoseAshError, match="at most 6000 on each side"):
        services.add_product_image(make_product("Honey"), png(6001, 1))
