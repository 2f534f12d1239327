"""
What an uploaded picture may be: a real PNG, JPEG, GIF or WebP image within size limits.

Our own hosts serve what is uploaded: a file that only claims to be an image (HTML or SVG named
``.png``) would be served as ours. So the format is read from the bytes by Pillow, never taken from
the file's name or the uploader's content type, and the stored name gets the extension of what the
file really is (the web server's content type follows it). Shared by the site actors' pictures
(federation) and the pictures in blog posts.
"""

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

__all__ = ["FORMATS", "MAX_BYTES", "MAX_SIDE", "MEDIA_TYPES", "picture_extension", "validate_picture"]

# Pillow's name of each format we take -> (media type, extension of the stored file).
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
MEDIA_TYPES = {extension: media_type for media_type, extension in FORMATS.values()}
MAX_BYTES = 2 * 1024 * 1024  # Mastodon takes avatars and headers of up to 2 MB from its own users
MAX_SIDE = 4096  # pixels; also bounds what decoding one may cost


def _format_of(file):
    """Return Pillow's name for the format of ``file`` (one of ``FORMATS``); raise ValidationError."""
    file.seek(0)
    try:
        with Image.open(file, formats=list(FORMATS)) as image:
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise ValidationError(
                    f"This image is {width}x{height} pixels; give one of at most {MAX_SIDE} on each side.",
                    code="image_too_large",
                )
            image.load()  # decode it all: a truncated or corrupt file is refused here, not by a browser
            return image.format
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not a PNG, JPEG, GIF or WebP image (or it is damaged). Upload a picture in one of those.",
            code="image_invalid",
        ) from None
    finally:
        file.seek(0)


def picture_extension(file):
    """Return the extension the stored file gets from its real format ("png", "jpg", ...)."""
    _media_type, extension = FORMATS[_format_of(file)]
    return extension


def validate_picture(file):
    """
    Refuse a new upload that is not a PNG, JPEG, GIF or WebP image of at most ``MAX_BYTES``.

    A file already stored was checked when it was uploaded and is not read again.
    """
    if getattr(file, "_committed", False):
        return
    if file.size > MAX_BYTES:
        raise ValidationError(
            f"This file is {file.size // 1024} KiB; a picture may be at most {MAX_BYTES // 1024} KiB.",
            code="image_too_big",
        )
    _format_of(file)
