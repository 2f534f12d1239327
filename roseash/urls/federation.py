"""URLconf of federation.<domain>."""

from django.urls import include, path

from . import site_patterns

urlpatterns = site_patterns(path("", include("apps.federation.urls")))
