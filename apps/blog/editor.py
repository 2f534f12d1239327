"""
The body editor (django-prose-editor's ProseMirror build) and the pictures staff put in bodies.

django-prose-editor's own widget loads its modules through an inline ``<script type="importmap">``
and Tiptap injects an inline ``<style>``: our Content-Security-Policy (script-src and style-src
'self', nothing inline) refuses both. So the widget here loads only files: the package's built
``editor.js`` and CSS, and ``static/js/blog-editor.js``, which imports ``editor.js`` by its URL
and builds the editor without injected CSS. The same widget serves the staff pages and the admin.
"""

import datetime
import json
import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.core.errors import RoseAshError
from apps.core.pictures import check_picture, extension_of
from apps.core.sites import get_site, site_url

__all__ = ["EditorWidget", "store_picture"]

PICTURE_MAX_BYTES = 2 * 1024 * 1024  # a picture in a post is shown at the width of its column
PICTURE_MAX_SIDE = 4096  # pixels


class EditorWidget(forms.Textarea):
    """A textarea that ``blog-editor.js`` turns into the editor; the HTML it posts is cleaned by the services."""

    template_name = "blog/staff/editor_widget.html"

    class Media:
        css = {
            "all": [
                "django_prose_editor/material-icons.css",
                "django_prose_editor/editor.css",
                "css/blog-editor.css",
            ]
        }
        js = [forms.Script("js/blog-editor.js", type="module")]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Read by blog-editor.js: where pictures go. The blog's own origin, so the admin of
        # blog.<domain> and the staff pages post to the same endpoint with their session.
        context["widget"]["attrs"]["data-blog-editor"] = json.dumps({"upload": site_url("blog", "blog:editor-image")})
        return context

    def use_required_attribute(self, initial):
        return False  # the textarea is hidden behind the editor: a browser could not point at it


def store_picture(upload) -> str:
    """
    Store an uploaded picture for a post's body and return its absolute URL.

    The picture must really be a PNG, JPEG, GIF or WebP image (``apps.core.pictures``) within
    ``PICTURE_MAX_BYTES`` and ``PICTURE_MAX_SIDE``;
    its name is made here (the uploader's name says nothing we trust), with the extension of its
    real format, under ``blog/<year>/<month>/``.
    """
    try:
        check_picture(upload, max_bytes=PICTURE_MAX_BYTES, max_side=PICTURE_MAX_SIDE)
        extension = extension_of(upload, max_side=PICTURE_MAX_SIDE)
    except ValidationError as error:
        raise RoseAshError(error.code, error.messages[0]) from None
    today = timezone.now().astimezone(datetime.UTC)
    name = default_storage.save(f"blog/{today:%Y/%m}/{secrets.token_hex(8)}.{extension}", upload)
    url = default_storage.url(name)
    # Absolute, on the blog's origin: feeds and the fediverse show the body away from our pages.
    return url if url.startswith(("http://", "https://")) else get_site("blog").origin + url
