"""The market's pieces of other sites' pages: a few featured products for the blog home."""

from django.template.loader import render_to_string

from apps.core.pages.fragments import fragment

from .services import featured_products

FEATURED_FRAGMENT = "market.featured"


@fragment(FEATURED_FRAGMENT, ttl=300)
def featured(context):
    """Four featured products; the same for everyone, so kept five minutes whatever the page."""
    return render_to_string("market/featured_fragment.html", {"products": featured_products(limit=4)})
