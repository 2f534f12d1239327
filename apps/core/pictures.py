"""
What an uploaded picture may be: a real PNG, JPEG, GIF or WebP image within the caller's limits.

Our hosts serve uploaded files from our own origins, and peers show our pictures to their users: a
file that only claims to be an image (HTML or SVG named ``.png``) would be served as ours. So the
format is read from the bytes by Pillow, never taken from the file's name or the uploader's content
type, the whole image is decoded once (a truncated or corrupt file is refused here, not by a
browser), and a stored file gets the extension of what it really is, which the web server's content
type follows. Each app sets its own limits (an actor's icon is smaller than a product photo).
"""

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

__all__ = ["FORMATS", "check_picture", "extension_of", "media_type", "picture_format"]

# Pillow's name of each format we take -> (media type, extension of the stored file).
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
MEDIA_TYPES = {extension: media_type for media_type, extension in FORMATS.values()}


def picture_format(file, *, max_side):
    """Return Pillow's name for the format of ``file`` (a key of ``FORMATS``); raise ValidationError."""
    file.seek(0)
    try:
        with Image.open(file, formats=list(FORMATS)) as image:
            width, height = image.size
            if width > max_side or height > max_side:
                raise ValidationError(
                    f"This image is {width}x{height} pixels; give one of at most {max_side} on each side.",
                    code="image_too_large",
                )
            image.load()  # decoding it all also bounds what a "decompression bomb" may cost
            return image.format
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not a PNG, JPEG, GIF or WebP image (or it is damaged). Upload a picture in one of those.",
            code="image_invalid",
        ) from None
    finally:
        file.seek(0)


def check_picture(file, *, max_bytes, max_side):
    """Refuse a new upload that is not a picture of a format we take within the limits; stored files pass."""
    if getattr(file, "_committed", False):
        return  # checked when it was uploaded, not read again
    if file.size > max_bytes:
        raise ValidationError(
            f"This file is {file.size // 1024} KiB; a picture may be at most {max_bytes // 1024} KiB.",
            code="image_too_big",
        )
    picture_format(file, max_side=max_side)


def extension_of(file, *, max_side):
    """Return the extension a stored copy of ``file`` gets: that of what it really is."""
    return FORMATS[picture_format(file, max_side=max_side)][1]


def media_type(name):
    """Return the media type of a stored picture, known from the extension ``extension_of`` gave it."""
    return MEDIA_TYPES.get(PurePosixPath(name).suffix.lstrip(".").lower(), "application/octet-stream")
