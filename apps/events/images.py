"""
What an event's picture may be: the checks of ``apps.core.pictures`` (the format read from the bytes,
never the name), and a stored name of ours with the extension of what the file really is.
"""

import secrets

from apps.core.pictures import check_picture, extension_of, media_type

__all__ = ["event_picture_path", "media_type", "validate_event_picture"]

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 6000


def validate_event_picture(file):
    """Refuse a new upload that is not an image of a format we take, or too big; stored files pass."""
    check_picture(file, max_bytes=MAX_BYTES, max_side=MAX_SIDE)


def event_picture_path(instance, filename):
    """Name the upload ``events/<random>.<its real extension>``: a changed picture gets a new URL."""
    return f"events/{secrets.token_hex(8)}.{extension_of(instance.image.file, max_side=MAX_SIDE)}"
