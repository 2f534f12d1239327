from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from .views import ApiDocs, ProducerViewSet, ProductViewSet

router = SimpleRouter()
router.register("products", ProductViewSet, basename="api-product")
router.register("producers", ProducerViewSet, basename="api-producer")

# The schema describes these routes only, as served under /api/ on the market host.
api_patterns = [path("api/", include(router.urls))]

urlpatterns = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(patterns=api_patterns), name="api-schema"),
    path("docs/", ApiDocs.as_view(url_name="market:api-schema"), name="api-docs"),
]
