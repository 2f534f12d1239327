"""
What a product photo or a producer's logo may be, and the thumbnails made from it.

The checks follow ``apps/federation/images.py``: the format is read from the bytes by Pillow, never
from the file's name or the uploader's content type, and the stored name is ours, with the extension
of what the file really is, so an HTML page named ``.png`` is never served from our origin. Market
photos come from producers' cameras, so the limits are larger than an actor's icon.
"""

import secrets
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.deconstruct import deconstructible
from PIL import Image, UnidentifiedImageError

# Pillow's name of each format we take -> extension of the stored file.
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
MAX_BYTES = 8 * 1024 * 1024  # a phone photo at full resolution
MAX_SIDE = 6000  # pixels; also bounds what decoding one may cost
THUMBNAIL_SIZE = (480, 480)  # fits a product card at twice its CSS size


def read_format(file):
    """Return Pillow's name for the format of ``file`` (a key of ``EXTENSIONS``); raise ValidationError."""
    file.seek(0)
    try:
        with Image.open(file, formats=list(EXTENSIONS)) as image:
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise ValidationError(
                    f"This image is {width}x{height} pixels; give one of at most {MAX_SIDE} on each side.",
                    code="image_too_large",
                )
            image.load()  # decode it all: a truncated file is refused here, not by a browser
            return image.format
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not a PNG, JPEG, GIF or WebP image (or it is damaged). Upload a picture in one of those.",
            code="image_invalid",
        ) from None
    finally:
        file.seek(0)


def validate_picture(file):
    """Refuse a new upload that is not an image of a format we take, or too big; stored files pass."""
    if getattr(file, "_committed", False):
        return
    if file.size > MAX_BYTES:
        raise ValidationError(
            f"This file is {file.size // 1024} KiB; a picture may be at most {MAX_BYTES // 1024} KiB.",
            code="image_too_big",
        )
    read_format(file)


def thumbnail(file):
    """Return a JPEG of ``file`` fitted into ``THUMBNAIL_SIZE``, as a file the caller names."""
    file.seek(0)
    with Image.open(file, formats=list(EXTENSIONS)) as image:
        image.thumbnail(THUMBNAIL_SIZE)
        out = BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    file.seek(0)
    return ContentFile(out.getvalue(), name="thumbnail.jpg")


def thumbnail_path(instance, filename):
    """Name a thumbnail ``market/thumbnails/<random>.jpg``: ``thumbnail`` always makes a JPEG."""
    return f"market/thumbnails/{secrets.token_hex(8)}.jpg"


@deconstructible
class PicturePath:
    """
    Name an upload ``market/<folder>/<random>.<its real extension>``, whatever it was called.

    A new upload gets a new name, so a changed picture has a new URL that no cache holds.
    """

    def __init__(self, folder, field):
        self.folder = folder
        self.field = field

    def __call__(self, instance, filename):
        extension = EXTENSIONS[read_format(getattr(instance, self.field).file)]
        return f"market/{self.folder}/{secrets.token_hex(8)}.{extension}"

    def __eq__(self, other):
        return isinstance(other, PicturePath) and (other.folder, other.field) == (self.folder, self.field)
