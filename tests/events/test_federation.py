"""
The events actor on the fediverse, against a live local peer (a signed remote actor on a loopback
HTTP server, as in tests/federation): a follower receives Create(Event) shaped as Mobilizon reads
it, then the Update of a cancellation and the Delete; a peer's signed Join books a place and gets an
Accept, a Join past capacity a Reject, and a Leave frees the place.
"""

import datetime
import json

import pytest

from apps.events import services
from apps.events.models import Booking
from apps.federation.models import APActivity, Follow, Note
from tests.federation.remote import RemoteActor

EVENTS_ACTOR = "http://events.localhost/actors/events"
SHARED_INBOX = "http://federation.localhost/inbox"

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def peer(settings, httpserver, monkeypatch):
    """``ana`` on a loopback server whose shared inbox takes what we deliver (202); tasks run in process."""
    from roseash.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True
    httpserver.expect_request("/inbox", method="POST").respond_with_data("", status=202)
    return RemoteActor(httpserver).serve()


@pytest.fixture
def send(site_client, django_capture_on_commit_callbacks):
    """Return ``send(actor, activity)``: POST it signed to our shared inbox and have it processed."""
    client = site_client("federation")

    def post(actor, activity):
        with django_capture_on_commit_callbacks(execute=True):
            response = actor.post(client, SHARED_INBOX, activity)
        assert response.status_code == 202, response.content
        return APActivity.objects.get(activity_id=activity["id"])

    return post


def delivered(httpserver, kind=None):
    """Return the activities our server POSTed to the peer's shared inbox, oldest first."""
    posted = [json.loads(request.data) for request, _answer in httpserver.log if request.method == "POST"]
    return [activity for activity in posted if kind is None or activity["type"] == kind]


def test_a_follower_receives_create_update_and_delete_of_an_event(
    peer, send, httpserver, make_event, django_capture_on_commit_callbacks
):
    send(peer, peer.activity("Follow", EVENTS_ACTOR))
    assert Follow.objects.get(follower_url=peer.id).state == Follow.State.ACCEPTED

    with django_capture_on_commit_callbacks(execute=True):
        event = make_event("Seed swap", places=20)

    (create,) = delivered(httpserver, "Create")
    sent = create["object"]
    assert create["actor"] == EVENTS_ACTOR
    assert sent["type"] == "Event"
    assert sent["name"] == "Seed swap"
    assert datetime.datetime.fromisoformat(sent["startTime"]) == event.first_entry.starts_at
    assert datetime.datetime.fromisoformat(sent["endTime"]) == event.first_entry.ends_at
    assert sent["timezone"] == "Europe/London"
    assert sent["url"] == "http://events.localhost/e/seed-swap/"
    assert sent["content"] == "<p>All about Seed swap.</p>"
    assert sent["location"] == {
        "type": "Place",
        "name": "The Old Mill",
        "address": {
            "type": "PostalAddress",
            "streetAddress": "1 Mill Lane",
            "postalCode": "AB1 2CD",
            "addressLocality": "Hebden",
            "addressRegion": "Yorkshire",
            "addressCountry": "GB",
        },
    }
    assert sent["ical:status"] == "CONFIRMED"
    assert sent["joinMode"] == "free"
    assert sent["participantCount"] == 0
    assert sent["maximumAttendeeCapacity"] == 20
    assert sent["attributedTo"] == EVENTS_ACTOR
    # The object is served at its id too, as peers fetch it.
    assert Note.objects.get(source=f"events.event:{event.pk}").details["startTime"] == sent["startTime"]

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_event(event.pk)
    (update,) = delivered(httpserver, "Update")
    assert update["object"]["id"] == sent["id"]
    assert update["object"]["ical:status"] == "CANCELLED"

    plain = make_event("Unbooked", publish=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_event(plain.pk)
    (delete,) = delivered(httpserver, "Delete")
    assert delete["object"]["type"] == "Tombstone"


def test_a_peers_join_books_a_place_and_is_accepted_until_full_and_leave_frees_it(
    peer, send, httpserver, make_event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event("Seed swap", places=1)
    event_id = Note.objects.get(source=f"events.event:{event.pk}").object_id
    ben = RemoteActor(httpserver, name="ben").serve()

    join = peer.activity("Join", event_id)
    send(peer, join)

    booking = Booking.objects.get(actor_url=peer.id)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.entry == event.first_entry
    assert booking.tickets.count() == 1
    (accept,) = delivered(httpserver, "Accept")
    assert accept["actor"] == EVENTS_ACTOR
    assert accept["object"]["id"] == join["id"]
    assert accept["object"]["type"] == "Join"
    assert accept["to"] == [peer.id]
    # The public count went up, for followers and for anyone who fetches the event.
    assert Note.objects.get(object_id=event_id).details["participantCount"] == 1
    assert services.participant_count(event) == 1

    late = ben.activity("Join", event_id)
    send(ben, late)
    (reject,) = delivered(httpserver, "Reject")
    assert reject["object"]["id"] == late["id"]
    assert reject["to"] == [ben.id]
    assert not Booking.objects.filter(actor_url=ben.id).exists()

    row = send(peer, peer.activity("Leave", event_id))
    assert row.state == APActivity.State.DONE
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Note.objects.get(object_id=event_id).details["participantCount"] == 0

    send(ben, ben.activity("Join", event_id))
    assert Booking.objects.get(actor_url=ben.id).status == Booking.Status.CONFIRMED
    assert len(delivered(httpserver, "Accept")) == 2


def test_joins_of_what_cannot_be_joined_are_ignored_or_rejected(
    peer, send, httpserver, make_event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        paid = make_event("Concert", price="10.00")
    paid_id = Note.objects.get(source=f"events.event:{paid.pk}").object_id

    row = send(peer, peer.activity("Join", "http://events.localhost/objects/nothing"))
    assert row.state == APActivity.State.IGNORED
    assert row.error == "the object is not one of ours that people can join"
    join = peer.activity("Join", paid_id)
    send(peer, join)  # tickets are sold on the site: a Reject, no place
    assert not Booking.objects.exists()
    assert [reject["object"]["id"] for reject in delivered(httpserver, "Reject")] == [join["id"]]
    left = send(peer, peer.activity("Leave", paid_id))
    assert left.state == APActivity.State.IGNORED


def test_an_undo_of_a_join_frees_the_place_as_a_leave_does(peer, send, make_event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event("Seed swap", places=3)
    event_id = Note.objects.get(source=f"events.event:{event.pk}").object_id
    join = peer.activity("Join", event_id)
    send(peer, join)
    assert services.participant_count(event) == 1

    send(peer, peer.activity("Undo", {"id": join["id"], "type": "Join", "actor": peer.id, "object": event_id}))

    assert services.participant_count(event) == 0
    assert Booking.objects.get(actor_url=peer.id).status == Booking.Status.CANCELLED
