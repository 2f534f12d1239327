"""
Benchmark the events site for a visitor against ``/healthz``, served the same way in one run.

    .venv/bin/python bench/events.py [--entries 2000] [--duration 10] [--rounds 3] [--workers 2]

Serves the project with gunicorn as ``run.py`` does (DEBUG off, loopback), with ``--entries``
dates of 200 published events (in two calendars, at a venue) written straight into the database
beforehand and spread evenly over the coming year (about 165 in a month's grid), and loads the
upcoming list, this month's grid, this week and an event page with wrk, each round interleaving the
cases. Prints requests/s and the ratio to
``/healthz``; the aim is 0.3. DATABASE_URL / REDIS_URL are used when set (a database of its own:
it is migrated and filled).
"""

import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import bench_pages

FILL = textwrap.dedent(
    """
    from datetime import timedelta
    from django.utils import timezone
    from apps.events.models import Booking, Calendar, Entry, Event, Quota, Ticket, TicketType, Venue

    count = {count}
    Ticket.objects.all().delete(); Booking.objects.all().delete(); TicketType.objects.all().delete()
    Quota.objects.all().delete(); Entry.objects.all().delete(); Event.objects.all().delete()
    calendars = [Calendar.objects.get_or_create(slug=slug, defaults={{"name": slug.title(), "kind": kind}})[0]
                 for slug, kind in (("mill", "venue"), ("walkers", "group"))]
    venue = Venue.objects.create(name="The Old Mill", street_address="1 Mill Lane", locality="Ashcombe", country="GB")
    events = Event.objects.bulk_create(
        Event(calendar=calendars[n % 2], title=f"Gathering {{n}}", slug=f"gathering-{{n}}", venue=venue,
              summary="Tea, talk and a walk.", description="<p>All welcome.</p>", status="published",
              published_at=timezone.now())
        for n in range(200)
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    # Spread evenly over the coming year: about 165 dates in a month's grid, 38 in a week.
    def begins(n):
        return start + timedelta(days=365) * n / count
    Entry.objects.bulk_create(
        Entry(event=events[n % 200], starts_at=begins(n), ends_at=begins(n) + timedelta(hours=2)) for n in range(count)
    )
    quotas = Quota.objects.bulk_create(Quota(event=event, name="Places", size=50) for event in events)
    TicketType.objects.bulk_create(TicketType(event=q.event, quota=q, name="Entry") for q in quotas)
    print(Entry.objects.count())
    """
)


def cases(_entries):
    return [
        ("upcoming list", "events", "/", None),
        ("month grid", "events", "/month/", None),
        ("week", "events", "/week/", None),
        ("an event page", "events", "/e/gathering-7/", None),
    ]


if __name__ == "__main__":
    bench_pages(__doc__, rows="entries", default_rows=2000, fill=FILL, cases=cases)
