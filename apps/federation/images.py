"""
What a site actor's picture may be (``apps.core.pictures``: a real PNG, JPEG, GIF or WebP image),
within an icon's limits, and the name it is stored under.
"""

import secrets

from django.utils.deconstruct import deconstructible

from apps.core.pictures import check_picture, extension_of, media_type

__all__ = ["PicturePath", "media_type", "validate_picture"]

MAX_BYTES = 2 * 1024 * 1024  # Mastodon takes avatars and headers of up to 2 MB from its own users
MAX_SIDE = 4096  # pixels


def validate_picture(file):
    """Refuse a new upload that is not a PNG, JPEG, GIF or WebP image of at most ``MAX_BYTES``."""
    check_picture(file, max_bytes=MAX_BYTES, max_side=MAX_SIDE)


@deconstructible
class PicturePath:
    """
    Name an uploaded picture ``site_actors/<site>/<field>-<random>.<its real extension>``.

    Each upload gets a new name, so a new picture has a new URL: peers and browsers that cached the
    old one by its URL cannot keep showing it.
    """

    def __init__(self, field):
        self.field = field

    def __call__(self, instance, filename):
        extension = extension_of(getattr(instance, self.field).file, max_side=MAX_SIDE)
        return f"site_actors/{instance.site}/{self.field}-{secrets.token_hex(6)}.{extension}"

    def __eq__(self, other):
        return isinstance(other, PicturePath) and other.field == self.field
