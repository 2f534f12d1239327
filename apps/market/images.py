"""
What a product photo or a producer's logo may be, and the thumbnails made from it.

The checks are ``apps.core.pictures``: the format read from the bytes by Pillow, the stored name
ours, with the extension of what the file really is, so an HTML page named ``.png`` is never served
from our origin. Market photos come from producers' cameras, so the limits are larger than an
actor's icon.
"""

import secrets
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils.deconstruct import deconstructible
from PIL import Image

from apps.core.pictures import FORMATS, check_picture, extension_of

MAX_BYTES = 8 * 1024 * 1024  # a phone photo at full resolution
MAX_SIDE = 6000  # pixels
THUMBNAIL_SIZE = (480, 480)  # fits a product card at twice its CSS size


def validate_picture(file):
    """Refuse a new upload that is not an image of a format we take, or too big; stored files pass."""
    check_picture(file, max_bytes=MAX_BYTES, max_side=MAX_SIDE)


def thumbnail(file):
    """Return a JPEG of ``file`` fitted into ``THUMBNAIL_SIZE``, as a file the caller names."""
    file.seek(0)
    with Image.open(file, formats=list(FORMATS)) as image:
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
        extension = extension_of(getattr(instance, self.field).file, max_side=MAX_SIDE)
        return f"market/{self.folder}/{secrets.token_hex(8)}.{extension}"

    def __eq__(self, other):
        return isinstance(other, PicturePath) and (other.folder, other.field) == (self.folder, self.field)
