"""One URLconf per host. ``site_patterns`` adds what every host serves to a site's own routes."""

from django.contrib import admin
from django.urls import include, path


def site_patterns(*patterns):
    """Return a site's URL patterns followed by the routes every host shares."""
    return [
        *patterns,
        path("", include("apps.account.auth_urls")),  # /auth/ sign-in routes; admin/login/ through SSO
        path("admin/", admin.site.urls),
        path("", include("apps.core.urls")),
        path("", include("apps.federation.public_urls")),  # actors, WebFinger, NodeInfo, host-meta
    ]
