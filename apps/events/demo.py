"""
Demo events for ``manage.py seed_demo``: a venue's programme and a walking group, with a weekly
series, free places and an event with paid tickets, all published through ``services`` so that the
events actor's outbox holds their Create(Event).

Dates are set relative to the day of seeding, so the demo always has upcoming events. An event is
made only when its slug is missing: seeding again changes nothing, and never what staff edited.
"""

import datetime

from django.utils import timezone

from apps.core.demo import SeedStep, register

from . import services
from .models import Calendar, Event

CALENDARS = [
    {
        "slug": "old-mill",
        "name": "The Old Mill",
        "kind": "venue",
        "description": "The cooperative's barn by the river: concerts, swaps and the repair café.",
    },
    {
        "slug": "ashcombe-walkers",
        "name": "Ashcombe Walkers",
        "kind": "group",
        "description": "Walks on the downs every other Sunday; all paces welcome.",
    },
]

VENUES = {
    "old-mill": {
        "name": "The Old Mill",
        "street_address": "1 Mill Lane",
        "postal_code": "AC1 4RM",
        "locality": "Ashcombe",
        "region": "Wessex",
        "country": "GB",
    },
    "ashcombe-green": {
        "name": "Ashcombe village green",
        "street_address": "The Green",
        "postal_code": "AC1 2GR",
        "locality": "Ashcombe",
        "country": "GB",
    },
}

# Each: calendar, venue, days from today, start hour, hours long, tickets [(name, price, VAT %)], places,
# and a weekly rule for a series.
EVENTS = [
    {
        "slug": "repair-cafe",
        "title": "Repair café",
        "calendar": "old-mill",
        "venue": "old-mill",
        "summary": "Bring what is broken; volunteers help you mend it.",
        "description": "<p>Lamps, toasters, jumpers and bicycles: our fixers show you how.</p>",
        "weekday": 3,  # Thursday
        "hour": 19,
        "hours": 2,
        "rule": "FREQ=WEEKLY;BYDAY=TH;COUNT=12",
        "tickets": [("Place at a table", "0", "0")],
        "places": 20,
    },
    {
        "slug": "seed-swap",
        "title": "Seed swap",
        "calendar": "old-mill",
        "venue": "old-mill",
        "summary": "Swap seeds, cuttings and growing tips before the spring.",
        "description": "<p>Bring seeds in labelled envelopes; tea and cake from the bakery.</p>",
        "days": 10,
        "hour": 14,
        "hours": 3,
        "tickets": [("Entry", "0", "0")],
        "places": 60,
    },
    {
        "slug": "ashcombe-fiddlers",
        "title": "Winter concert: the Ashcombe Fiddlers",
        "calendar": "old-mill",
        "venue": "old-mill",
        "summary": "Reels, jigs and carols by the fire.",
        "description": "<p>An evening of folk music. Doors at 19:00, music at 19:30.</p>",
        "days": 16,
        "hour": 19,
        "hours": 3,
        "tickets": [("Standard", "12.50", "20"), ("Concession", "8.00", "20")],
        "places": 80,
    },
    {
        "slug": "sunday-downs-walk",
        "title": "Sunday walk on the downs",
        "calendar": "ashcombe-walkers",
        "venue": "ashcombe-green",
        "summary": "Eight miles over Ashcombe Down; back for lunch.",
        "description": "<p>Boots and a flask. We leave from the green at ten sharp.</p>",
        "days": 5,
        "hour": 10,
        "hours": 4,
        "tickets": [("Walker", "0", "0")],
        "places": 25,
    },
]


@register
class EventCalendars(SeedStep):
    label = "event calendars"
    order = 60

    def items(self):
        return CALENDARS

    def apply(self, item):
        if not Calendar.objects.filter(slug=item["slug"]).exists():
            services.create_calendar(
                name=item["name"], slug=item["slug"], kind=item["kind"], description=item["description"]
            )


@register
class DemoEvents(SeedStep):
    label = "events"
    order = 61

    def items(self):
        return EVENTS

    def apply(self, item):
        if Event.objects.filter(slug=item["slug"]).exists():
            return
        calendar = services.get_calendar(item["calendar"])
        venue = services.create_venue(**VENUES[item["venue"]])
        event = services.create_event(
            calendar=calendar,
            title=item["title"],
            slug=item["slug"],
            summary=item["summary"],
            description=item["description"],
            organiser=calendar.name,
            venue=venue,
        )
        today = timezone.localdate()
        duration = datetime.timedelta(hours=item["hours"])
        if "rule" in item:
            first = today + datetime.timedelta(days=(item["weekday"] - today.weekday()) % 7 or 7)
            start = datetime.datetime.combine(first, datetime.time(item["hour"]))
            services.set_series(event, first_start=start, duration=duration, rule=item["rule"])
        else:
            start = datetime.datetime.combine(
                today + datetime.timedelta(days=item["days"]), datetime.time(item["hour"])
            )
            services.add_entry(event, start, start + duration)
        quota = services.add_quota(event, name="Places", size=item["places"])
        for name, price, vat_rate in item["tickets"]:
            services.add_ticket_type(event, name=name, quota=quota, price=price, vat_rate=vat_rate, currency="GBP")
        services.publish_event(event.pk)

    def notes(self):
        return ["Events: the calendars, a weekly repair café and a concert with paid tickets on the events site."]
