"""
The site actors' pictures: checked by ``apps.core.images``, stored under server-made names.

Peers show our icon and header to their users; each new picture gets a new name and so a new URL.
``validate_picture`` stays importable from here: migration 0005 names it at this path.
"""

import secrets
from pathlib import PurePosixPath

from django.utils.deconstruct import deconstructible

from apps.core.images import FORMATS, MAX_BYTES, MAX_SIDE, MEDIA_TYPES, picture_extension, validate_picture

__all__ = ["FORMATS", "MAX_BYTES", "MAX_SIDE", "MEDIA_TYPES", "PicturePath", "media_type", "validate_picture"]


def media_type(name):
    """Return the media type of a stored picture, known from the extension ``PicturePath`` gave it."""
    return MEDIA_TYPES.get(PurePosixPath(name).suffix.lstrip(".").lower(), "application/octet-stream")


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
        extension = picture_extension(getattr(instance, self.field).file)
        return f"site_actors/{instance.site}/{self.field}-{secrets.token_hex(6)}.{extension}"

    def __eq__(self, other):
        return isinstance(other, PicturePath) and other.field == self.field
