"""
The month grid and the week: which days a page shows and which entries fall on each, in the
visitor's calendar time zone. Entries come from one query for the whole range; days are filled in
Python, so a month with 2,000 entries costs the same queries as one with none.
"""

import calendar as stdlib_calendar
import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.utils import timezone

__all__ = ["Day", "month_range", "month_weeks", "week_days", "week_range"]


@dataclass
class Day:
    date: datetime.date
    in_month: bool = True
    entries: list = field(default_factory=list)

    @property
    def is_today(self):
        return self.date == timezone.localdate()


def month_range(year, month, zone):
    """Return the aware ``[start, end)`` of the weeks (Monday first) that show ``month``."""
    first = datetime.date(year, month, 1)
    start = first - datetime.timedelta(days=first.weekday())
    last = datetime.date(year, month, stdlib_calendar.monthrange(year, month)[1])
    end = last + datetime.timedelta(days=7 - last.weekday())
    return _midnight(start, zone), _midnight(end, zone)


def week_range(day, zone):
    start = day - datetime.timedelta(days=day.weekday())
    return _midnight(start, zone), _midnight(start + datetime.timedelta(days=7), zone)


def _midnight(day, zone):
    return datetime.datetime.combine(
        day, datetime.time(), tzinfo=zoneinfo.ZoneInfo(zone) if isinstance(zone, str) else zone
    )


def _days(start, end, zone, entries, month=None):
    zone = zoneinfo.ZoneInfo(zone) if isinstance(zone, str) else zone
    days, day = {}, start.date()
    while day < end.date():
        days[day] = Day(day, in_month=month is None or day.month == month)
        day += datetime.timedelta(days=1)
    for entry in entries:
        # An entry over several days shows on each of them.
        first, last = entry.starts_at.astimezone(zone).date(), entry.ends_at.astimezone(zone).date()
        day = max(first, start.date())
        while day <= last and day in days:
            days[day].entries.append(entry)
            day += datetime.timedelta(days=1)
    return list(days.values())


def month_weeks(year, month, zone, entries):
    """Return the month's weeks: lists of seven ``Day``s holding their entries."""
    start, end = month_range(year, month, zone)
    days = _days(start, end, zone, entries, month)
    return [days[index : index + 7] for index in range(0, len(days), 7)]


def week_days(day, zone, entries):
    start, end = week_range(day, zone)
    return _days(start, end, zone, entries)
