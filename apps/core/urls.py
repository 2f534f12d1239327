"""Routes every host serves, whatever its site."""

from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("internal/fragments/<str:name>", views.internal_fragment, name="internal-fragment"),
    path("favicon.ico", views.favicon, name="favicon"),
]
