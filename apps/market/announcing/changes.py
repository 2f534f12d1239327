"""
What follows a change to a product, once it commits: the fediverse hears of it (``fediverse``)
and visitors' kept pages are left for new ones (``page_cache``). Every write of a product, its
variants or photos (services, import, re-scrape, admin) calls ``product_changed``.
"""

from django.db import transaction

from .. import page_cache
from .fediverse import federate_product

__all__ = ["product_changed"]


def product_changed(product_id: int) -> None:
    """Federate the product as it will be once the current transaction commits, and show it changed."""
    transaction.on_commit(lambda: federate_product.delay(product_id))
    page_cache.changed()
