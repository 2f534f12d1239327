"""The market site's pages: thin over ``services``; a ``RoseAshError`` becomes its 404 page in the middleware."""

from django.core.paginator import Paginator
from django.shortcuts import render

from . import page_cache, services
from .filters import ProductFilter
from .markup import json_ld, product_json_ld

PER_PAGE = 24


@page_cache.for_visitors
def home(request):
    return render(
        request,
        "market/home.html",
        {"featured": services.featured_products(), "producers": services.listed_producers()[:8]},
    )


@page_cache.for_visitors
def product_list(request):
    """Filter, sort, search and paginate the active products: the same queries for 3 products or 10,000."""
    filterset = ProductFilter(request.GET, queryset=services.listed_products())
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "market/product_list.html",
        {
            "filter": filterset,
            "page": page,
            "categories": [node for root in services.category_tree() for node in root.walk()],
            "producers": services.listed_producers(),
        },
    )


@page_cache.for_visitors
def product_detail(request, slug):
    product = services.get_product(slug)
    chosen = services.pick_variant(product, request.GET.get("variant", ""))
    url = product.get_absolute_url()
    images = [request.build_absolute_uri(image.image.url) for image in product.images.all()]
    return render(
        request,
        "market/product_detail.html",
        {
            "product": product,
            "variants": product.variants.all(),
            "chosen": chosen,
            "canonical_url": url,
            "og_image": images[0] if images else "",
            "structured_data": json_ld(product_json_ld(product, url, images)),
        },
    )


@page_cache.for_visitors
def producer_detail(request, slug):
    producer = services.get_producer(slug)
    products = services.listed_products().filter(producer=producer).order_by("name", "id")
    page = Paginator(products, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "market/producer_detail.html", {"producer": producer, "page": page})
