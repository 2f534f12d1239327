"""One URLconf per host. ``site_patterns`` adds what every host serves to a site's own routes."""

import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve


def serve_media(request, path):
    """Serve an uploaded file from ``MEDIA_ROOT`` as it is now (tests point it at a temporary folder)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


def media_patterns():
    """
    Return the route of uploaded files when this process serves them (``ROSEASH_SERVE_MEDIA``).

    On every host, so a site's pictures are at its own origin. In production the web server in
    front serves ``MEDIA_URL`` from the media volume, and the route is absent.
    """
    if not settings.ROSEASH_SERVE_MEDIA:
        return []
    prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    return [re_path(rf"^{prefix}(?P<path>.+)$", serve_media, name="media")]


def site_patterns(*patterns):
    """
    Return the routes every host shares around a site's own URL patterns.

    Django tries patterns in order, so the busiest machine routes come first: health probes, then
    what peers call (inboxes, actors, WebFinger) many times for each page a person opens. No site
    route has their paths.
    """
    return [
        path("", include("apps.core.urls")),
        path("", include("apps.federation.public_urls")),  # actors, inboxes, WebFinger, NodeInfo, host-meta
        *media_patterns(),  # uploaded files, before any site route could claim their path
        *patterns,
        path("", include("apps.account.sso.urls")),  # /auth/ sign-in routes; admin/login/ through SSO
        path("admin/", admin.site.urls),
    ]
