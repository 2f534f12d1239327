"""Named events fixtures: a calendar at a venue, a published event with one date and free places."""

import datetime

import pytest
from django.utils import timezone

from apps.events import services


@pytest.fixture
def calendar(db):
    return services.create_calendar(name="The Old Mill", slug="old-mill", kind="venue", tz="Europe/London")


@pytest.fixture
def venue(db):
    return services.create_venue(
        name="The Old Mill",
        street_address="1 Mill Lane",
        postal_code="AB1 2CD",
        locality="Hebden",
        region="Yorkshire",
        country="GB",
    )


@pytest.fixture
def make_event(calendar, venue):
    """Return ``make_event(title, starts_in=days, places=5, price=0, publish=True)``: one date, one ticket type."""

    def make(title="Seed swap", *, starts_in=7, places=5, price="0", publish=True, hours=2, cancellation_hours=24):
        event = services.create_event(
            calendar=calendar,
            title=title,
            summary=f"About {title}.",
            description=f"<p>All about {title}.</p><script>alert(1)</script>",
            venue=venue,
            cancellation_hours=cancellation_hours,
        )
        start = (timezone.now() + datetime.timedelta(days=starts_in)).replace(microsecond=0)
        entry = services.add_entry(event, start, start + datetime.timedelta(hours=hours))
        quota = services.add_quota(event, name="Hall", size=places)
        services.add_ticket_type(event, name="Entry" if price == "0" else "Ticket", quota=quota, price=price)
        if publish:
            services.publish_event(event.pk)
        event.refresh_from_db()
        event.first_entry = entry
        event.first_ticket_type = event.ticket_types.get()
        return event

    return make


@pytest.fixture
def event(make_event):
    return make_event()
