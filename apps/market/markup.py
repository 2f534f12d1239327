"""
What a product page tells machines: schema.org JSON-LD and Open Graph.

Search engines and link previews read these; the import step reads the same vocabulary from other
shops (``/work/shared/reference``: ``Product`` with ``Offer``: price, priceCurrency, availability).
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

from .models import StockState

__all__ = ["json_ld", "product_json_ld"]

AVAILABILITY = {
    StockState.IN_STOCK: "https://schema.org/InStock",
    StockState.NOT_TRACKED: "https://schema.org/InStock",
    StockState.OUT_OF_STOCK: "https://schema.org/OutOfStock",
}
# As django.utils.html.json_script escapes: text in a <script> element cannot end it or open a comment.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def product_json_ld(product, url, image_urls):
    """Return the schema.org ``Product`` of ``product`` at ``url``, one ``Offer`` per variant, prices with VAT."""
    return {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": product.description,
        "url": url,
        "image": image_urls,
        "brand": {"@type": "Brand", "name": product.producer.name},
        "category": product.category.name,
        "offers": [
            {
                "@type": "Offer",
                "sku": variant.sku,
                "name": variant.name,
                "price": str(variant.price_with_vat),
                "priceCurrency": variant.currency,
                "availability": AVAILABILITY[variant.stock_state],
                "url": f"{url}?variant={variant.sku}",
            }
            for variant in product.variants.all()
        ],
    }


def json_ld(data):
    """
    Return ``data`` as a ``<script type="application/ld+json">`` element, safe in HTML.

    Django's ``json_script`` writes ``type="application/json"``, which schema.org readers ignore;
    the escaping is the same, so a product name such as ``</script><script>`` stays text.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 (escaped above)
