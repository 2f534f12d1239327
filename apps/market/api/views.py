"""
The market's read-only JSON API: products and producers, at ``/api/`` on the market host.

The product list uses the pages' own ``ProductFilter`` (``category``, ``producer``, ``in_stock``,
``q``, ``sort``), so the site and the API always agree on what a filter means.
"""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.filters import SearchFilter

from .. import page_cache, services
from ..filters import ProductFilter
from .serializers import ProducerSerializer, ProductSerializer

# Any path segment reaches the view, so a slug that is not one (a dot, a stray character) gets the
# API's JSON 404 rather than the site's HTML page.
ANY_SEGMENT = "[^/]+"
NOT_FOUND = OpenApiResponse(
    inline_serializer("NotFound", {"detail": serializers.CharField()}),
    description="No such product or producer, or a page past the last.",
)
INVALID_QUERY = OpenApiResponse(
    OpenApiTypes.OBJECT, description="A parameter's value is not valid (a filter's choice, a NUL character...)."
)


def described(serializer):
    """The answers a list and a detail give, errors included, so clients (and the fuzz test) know them all."""
    return extend_schema_view(
        list=extend_schema(responses={200: serializer(many=True), 400: INVALID_QUERY, 404: NOT_FOUND}),
        retrieve=extend_schema(responses={200: serializer, 404: NOT_FOUND}),
    )


class NamedSearchFilter(SearchFilter):
    """DRF's search, its refusal (a NUL character) named after its parameter as the product filters' are."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as exc:
            raise ValidationError({self.search_param: exc.detail}) from None


@described(ProductSerializer)
@method_decorator(page_cache.for_visitors, name="dispatch")
class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """Active products with their producer, category, variants (prices net and with VAT) and photos."""

    serializer_class = ProductSerializer
    queryset = services.listed_products()
    lookup_field = "slug"
    lookup_value_regex = ANY_SEGMENT
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter


@described(ProducerSerializer)
@method_decorator(page_cache.for_visitors, name="dispatch")
class ProducerViewSet(viewsets.ReadOnlyModelViewSet):
    """The market's producers; search their name, story and location with ``?search=``."""

    serializer_class = ProducerSerializer
    queryset = services.listed_producers()
    lookup_field = "slug"
    lookup_value_regex = ANY_SEGMENT
    filter_backends = [NamedSearchFilter]
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
