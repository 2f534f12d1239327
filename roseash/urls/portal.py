"""URLconf of the bare domain: the portal that links the six sites."""

from django.urls import path

from apps.core.views import PortalView

from . import site_patterns

urlpatterns = site_patterns(path("", PortalView.as_view(), name="portal"))
