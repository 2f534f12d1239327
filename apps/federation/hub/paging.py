"""
Cursor paging for every list of the hub: by row id (``before``: the id of the last item shown), one
query per page whatever its size.
"""

from dataclasses import dataclass

from django.db.models import Q, Subquery

PAGE_SIZE = 20
MAX_PAGE = 100


@dataclass(frozen=True)
class Page:
    """One page of a list; ``next_before`` is the cursor of the next (older) page, or None at the end."""

    items: list
    next_before: int | None


def paged(queryset, before, limit, *, at=None):
    """
    Return a ``Page`` of ``queryset``, newest first: by row id, or, with ``at``, by the annotation
    ``shown_at`` then row id. The cursor is a row id either way; with ``at`` (the rows annotated,
    unfiltered) the page goes on below the cursor row's own ``shown_at``, in the same query.
    """
    limit = max(1, min(int(limit), MAX_PAGE))
    order = ["-pk"] if at is None else ["-shown_at", "-pk"]
    if before and at is None:
        queryset = queryset.filter(pk__lt=int(before))
    elif before:
        cursor = Subquery(at.filter(pk=int(before)).values("shown_at")[:1])
        queryset = queryset.filter(Q(shown_at__lt=cursor) | Q(shown_at=cursor, pk__lt=int(before)))
    items = list(queryset.order_by(*order)[: limit + 1])
    return Page(items[:limit], items[limit - 1].pk if len(items) > limit else None)
