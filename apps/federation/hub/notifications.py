"""A member's notifications: the list, the unread count every site's header shows, and marking them read."""

from django.utils import timezone

from apps.core.errors import RoseAshError
from apps.core.pages.fragments import forget_fragment

from ..models import Notification
from .paging import PAGE_SIZE, paged

UNREAD_FRAGMENT = "federation.unread"  # every site's header shows the unread count (``fragments``)


def notifications(member, *, before=None, limit=PAGE_SIZE):
    """Return a ``Page`` of the member's ``Notification`` rows, newest first, with ``note`` joined."""
    rows = Notification.objects.filter(recipient=member).select_related("note", "follow")
    return paged(rows, before, limit)


def unread_count(member):
    """Return how many notifications the member has not read (one indexed count)."""
    return Notification.objects.filter(recipient=member).unread().count()


def mark_read(member, ids=None):
    """
    Mark the member's notifications read: those in ``ids`` (404 if one is not theirs), or all
    (``ids`` None). The unread count every site's header shows follows at once.
    """
    rows = Notification.objects.filter(recipient=member).unread()
    if ids is not None:
        ids = {int(pk) for pk in ids}
        if Notification.objects.filter(recipient=member, pk__in=ids).count() != len(ids):
            raise RoseAshError("notification_unknown", "There is no such notification.", status=404)
        rows = rows.filter(pk__in=ids)
    marked = rows.update(read_at=timezone.now())
    forget_fragment(UNREAD_FRAGMENT, {"user": str(member.pk)})
    return marked
