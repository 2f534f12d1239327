"""
The market's pages kept for visitors (``apps.core.pages.cache``): a product changed (``announcing.changes``)
or stock taken or given back by the cart (``purchasables``) moves its edition.
"""

from apps.core.pages.cache import PageCache

__all__ = ["changed", "for_visitors", "new_edition"]

pages = PageCache("market")
for_visitors, new_edition, changed = pages.for_visitors, pages.new_edition, pages.changed
