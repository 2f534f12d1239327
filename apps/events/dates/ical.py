"""
iCalendar feeds (RFC 5545) built with the ``icalendar`` library, that calendar apps subscribe to.

A series goes out as one VEVENT with its RRULE, starting at the rule's first start in the event's
time zone (TZID), so clients repeat it at the same wall time across daylight-saving changes. Each
occurrence changed by hand is a VEVENT of the same UID with a RECURRENCE-ID naming the start the
rule gave it: a moved one with its new times, a cancelled one with STATUS:CANCELLED (and an EXDATE
on the series, for clients that ignore cancelled overrides). Single dates are VEVENTs of their own.
"""

from django.utils import timezone
from django.utils.html import strip_tags
from icalendar import Calendar as ICalendar
from icalendar import Event as IEvent
from icalendar import vRecur

from apps.core.sites import get_site

__all__ = ["feed"]

PRODID = "-//Rose Ash//events//EN"


def _uid(kind, pk):
    return f"{kind}-{pk}@{get_site('events').host}"


def _common(vevent, event, url, cancelled):
    vevent.add("summary", event.title)
    vevent.add("url", url)
    vevent.add("dtstamp", event.updated_at or timezone.now())
    description = strip_tags(event.description).strip() or event.summary
    if description:
        vevent.add("description", description)
    if event.venue_id:
        vevent.add("location", event.venue.one_line)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")


def _event_components(event):
    """Yield the VEVENTs of one event with its prefetched entries (and series)."""
    url = event.get_absolute_url()
    event_cancelled = event.status == event.Status.CANCELLED
    zone = event.zone
    series = getattr(event, "series", None)
    entries = list(event.entries.all())
    if series is not None:
        master = IEvent()
        master.add("uid", _uid("series", event.pk))
        start = series.first_start.astimezone(zone)
        master.add("dtstart", start)
        master.add("dtend", start + series.duration)
        master.add("rrule", vRecur.from_ical(series.rule))
        _common(master, event, url, event_cancelled)
        cancelled = [
            entry.recurrence_id.astimezone(zone)
            for entry in entries
            if entry.recurrence_id and entry.status == entry.Status.CANCELLED
        ]
        if cancelled:
            master.add("exdate", cancelled)
        yield master
    for entry in entries:
        if series is not None and entry.recurrence_id is not None:
            if not entry.overridden:
                continue  # the rule gives it as it is
            override = IEvent()
            override.add("uid", _uid("series", event.pk))
            override.add("recurrence-id", entry.recurrence_id.astimezone(zone))
        else:
            override = IEvent()
            override.add("uid", _uid("entry", entry.pk))
        override.add("dtstart", entry.starts_at.astimezone(zone))
        override.add("dtend", entry.ends_at.astimezone(zone))
        _common(override, event, url, event_cancelled or entry.status == entry.Status.CANCELLED)
        yield override


def feed(name, events):
    """Return the iCalendar bytes of ``events`` (each with ``entries``, ``series`` and ``venue`` loaded)."""
    cal = ICalendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-published-ttl", "PT1H")
    for event in events:
        for component in _event_components(event):
            cal.add_component(component)
    cal.add_missing_timezones()
    return cal.to_ical()
