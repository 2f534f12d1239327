"""URLconf of events.<domain>."""

from django.urls import include, path

from . import site_patterns

urlpatterns = site_patterns(path("", include("apps.events.urls")))
