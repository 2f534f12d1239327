"""The blog's pages kept for visitors (``apps.core.pages.cache``): every write visitors could see moves its edition."""

from apps.core.pages.cache import PageCache

__all__ = ["changed", "for_visitors", "new_edition"]

pages = PageCache("blog")
for_visitors, new_edition, changed = pages.for_visitors, pages.new_edition, pages.changed
