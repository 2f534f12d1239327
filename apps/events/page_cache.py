"""
The events' pages kept for visitors (``apps.core.pages.cache``): an event published, changed or
cancelled (``federating``), a place taken or given back (``bookings.places``) or a save in the
admin moves its edition.
"""

from apps.core.pages.cache import PageCache

__all__ = ["changed", "for_visitors", "new_edition"]

pages = PageCache("events")
for_visitors, new_edition, changed = pages.for_visitors, pages.new_edition, pages.changed
