"""
Recurring series: the dates an RRULE gives, in the event's own time zone.

python-dateutil's ``rrule`` steps a *naive* local start, so "every Thursday at 19:00" stays at
19:00 on the wall clock across a daylight-saving change; each local time is then given its zone
(fold 0 for a time that happens twice). A rule without an end is cut at ``HORIZON`` past now (or past
its first start, for a series that begins later): entries are made that far ahead, and a later sync
(``services.sync_series``) makes the next ones.
"""

import datetime
import zoneinfo

from dateutil.rrule import rrulestr

__all__ = ["HORIZON", "RuleError", "occurrences"]

HORIZON = datetime.timedelta(days=366)
MAX_OCCURRENCES = 520  # ten years of a weekly meeting: more is a typo in the rule


class RuleError(ValueError):
    """The rule cannot be read; the message says what to fix."""


def occurrences(first_start, rule, timezone, *, horizon_from=None):
    """
    Return the aware starts ``rule`` gives from ``first_start``, wall time kept in ``timezone``.

    ``first_start`` may be aware (it is read in ``timezone``) or naive (taken as local time there).
    An ``UNTIL`` in UTC (``...Z``) is compared with the local starts as the UTC instant it names.
    """
    zone = zoneinfo.ZoneInfo(timezone)
    local = first_start.astimezone(zone) if first_start.tzinfo else first_start.replace(tzinfo=zone)
    naive = local.replace(tzinfo=None)
    try:
        parsed = rrulestr(_with_local_until(rule, zone), dtstart=naive)
    except (ValueError, TypeError) as exc:
        raise RuleError(f"The rule {rule!r} cannot be read: {exc}.") from None
    # From now, or from the first start when the series begins later.
    now = (horizon_from or datetime.datetime.now(zone)).astimezone(zone).replace(tzinfo=None)
    limit = max(now, naive) + HORIZON
    starts = []
    for each in parsed:
        if each > limit or len(starts) >= MAX_OCCURRENCES:
            break
        starts.append(each.replace(tzinfo=zone))
    return starts


def _with_local_until(rule, zone):
    """
    Return ``rule`` with a UTC ``UNTIL`` given as the local time it names: dateutil refuses an aware
    UNTIL with a naive start, and a naive start is what keeps the wall time.
    """
    parts = []
    for part in rule.strip().split(";"):
        name, _, value = part.partition("=")
        if name.upper() == "UNTIL" and value.upper().endswith("Z"):
            try:
                instant = datetime.datetime.strptime(value.upper(), "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
            except ValueError:
                raise RuleError(f"UNTIL={value} is not a UTC time such as 20270101T000000Z.") from None
            value = instant.astimezone(zone).strftime("%Y%m%dT%H%M%S")
        parts.append(f"{name}={value}" if value else name)
    return ";".join(parts)
