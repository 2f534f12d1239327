"""
What a member's avatar may be (``apps.core.pictures``: a real PNG, JPEG, GIF or WebP image), and the
name it is stored under. The avatar is the icon of the member's fediverse actor, so its limits are
those peers take from their own users.
"""

import secrets

from django.utils.deconstruct import deconstructible

from apps.core.pictures import check_picture, extension_of

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4096  # pixels


def validate_avatar(file):
    """Refuse a new upload that is not a PNG, JPEG, GIF or WebP image of at most ``MAX_BYTES``."""
    check_picture(file, max_bytes=MAX_BYTES, max_side=MAX_SIDE)


@deconstructible
class AvatarPath:
    """
    Name an avatar ``avatars/<member id>-<random>.<its real extension>``.

    A new upload gets a new name, so peers and browsers that cached the old picture by URL cannot
    keep showing it; the extension is what the bytes are, whatever the uploaded name said.
    """

    def __call__(self, instance, filename):
        extension = extension_of(instance.avatar.file, max_side=MAX_SIDE)
        return f"avatars/{instance.pk}-{secrets.token_hex(6)}.{extension}"

    def __eq__(self, other):
        return isinstance(other, AvatarPath)
