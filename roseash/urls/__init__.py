"""One URLconf per host. ``site_patterns`` adds what every host serves to a site's own routes."""

from django.contrib import admin
from django.urls import include, path


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
        *patterns,
        path("", include("apps.account.auth_urls")),  # /auth/ sign-in routes; admin/login/ through SSO
        path("admin/", admin.site.urls),
    ]
