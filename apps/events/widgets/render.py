"""
The events widgets: the "upcoming events" list and a small month calendar.

The same HTML serves two places: the fragments other sites of ours show (``fragments.py``), and
the widget pages outside websites put in an iframe (``widgets/views.py``). Each is built from one
query and kept in the cache for a minute.
"""

import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.sites import site_url

from .. import services
from ..dates import grids

__all__ = ["month_html", "upcoming_html"]

UPCOMING_LIMIT = 5


def upcoming_html(*, limit: int = UPCOMING_LIMIT, calendar_slug: str = "", target: str = "") -> str:
    """Return the next ``limit`` dates as a list of links (``target="_blank"`` inside an iframe)."""
    calendar = services.get_calendar(calendar_slug) if calendar_slug else None
    entries = list(services.upcoming_entries(calendar=calendar)[:limit])
    return render_to_string(
        "events/widgets/upcoming.html",
        {"entries": entries, "calendar": calendar, "target": target, "events_home": site_url("events", "events:home")},
    )


def month_html(*, calendar_slug: str = "", target: str = "", today: datetime.date | None = None) -> str:
    """Return this month's small grid: days with events are links to the month page."""
    calendar = services.get_calendar(calendar_slug) if calendar_slug else None
    today = today or timezone.localdate()
    zone = calendar.timezone if calendar else timezone.get_current_timezone_name()
    start, end = grids.month_range(today.year, today.month, zone)
    entries = list(services.entries_between(start, end, calendar=calendar))
    weeks = grids.month_weeks(today.year, today.month, zone, entries)
    return render_to_string(
        "events/widgets/month.html",
        {"weeks": weeks, "first": today.replace(day=1), "calendar": calendar, "target": target},
    )
