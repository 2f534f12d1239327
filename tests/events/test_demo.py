import pytest
from django.core.management import call_command

from apps.events.models import Calendar, Entry, Event, Series, TicketType
from apps.federation.models import APActivity, Note

pytestmark = pytest.mark.django_db


def test_seed_demo_publishes_the_events_through_the_services_once(settings, site_client):
    settings.DEBUG = True  # seed_demo is for development servers
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    assert Calendar.objects.count() == 2
    assert Event.objects.filter(status=Event.Status.PUBLISHED).count() == 4
    assert Series.objects.count() == 1
    assert Entry.objects.filter(event__slug="repair-cafe").count() == 12
    assert TicketType.objects.filter(price__gt=0).count() == 2
    notes = Note.objects.filter(source__startswith="events.event:", kind=Note.Kind.EVENT)
    assert notes.count() == 4
    creates = APActivity.objects.outbound().filter(type="Create", actor_url="http://events.localhost/actors/events")
    assert creates.count() == 4

    outbox = site_client("events").get("/actors/events/outbox?page=1", headers={"Accept": "application/activity+json"})
    objects = [item["object"] for item in outbox.json()["orderedItems"]]
    assert sorted(obj["name"] for obj in objects) == [
        "Repair café",
        "Seed swap",
        "Sunday walk on the downs",
        "Winter concert: the Ashcombe Fiddlers",
    ]
    assert all(obj["type"] == "Event" and obj["location"]["type"] == "Place" for obj in objects)
    concert = next(obj for obj in objects if obj["name"].startswith("Winter"))
    assert concert["joinMode"] == "external"  # paid tickets: bought on the site
