"""
The market's read-only JSON API: products and producers, at ``/api/`` on the market host.

The product list uses the pages' own ``ProductFilter`` (``category``, ``producer``, ``in_stock``,
``q``, ``sort``), so the site and the API always agree on what a filter means.
"""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import viewsets
from rest_framework.filters import SearchFilter

from . import services
from .filters import ProductFilter
from .serializers import ProducerSerializer, ProductSerializer


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """Active products with their producer, category, variants (prices net and with VAT) and photos."""

    serializer_class = ProductSerializer
    queryset = services.listed_products()
    lookup_field = "slug"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter


class ProducerViewSet(viewsets.ReadOnlyModelViewSet):
    """The market's producers; search their name, story and location with ``?search=``."""

    serializer_class = ProducerSerializer
    queryset = services.listed_producers()
    lookup_field = "slug"
    filter_backends = [SearchFilter]
    search_fields = ["name", "story", "location"]


@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class ApiDocs(SpectacularSwaggerSplitView):
    """
    Swagger UI from drf-spectacular-sidecar's static files, its start-up script served as a file.

    The site's policy allows scripts and styles from our origin only, which this view keeps:
    ``market/api_docs.html`` drops the stock template's inline ``<style>``. Swagger UI's own
    stylesheet draws its icons as ``data:`` images, which this page alone allows.
    """

    template_name = "market/api_docs.html"
