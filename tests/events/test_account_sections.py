"""The events' sections on the account dashboard, their buttons there, and the member's data (export, erase)."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.account import services as account
from apps.events import services
from apps.events.models import Booking, Entry, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", "a-long-pass-phrase")


@pytest.fixture
def dashboard(site_client, member):
    return site_client("account", signed_in=member)


@pytest.fixture
def mailing(settings, eager_tasks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_dashboard_shows_the_members_tickets_with_qr_codes_and_bookings(dashboard, member, bob, make_event):
    walk = make_event("Hill walk")
    swap = make_event("Seed swap", starts_in=1)  # inside its 24-hour window: no longer cancellable
    mine = services.book_free(member, walk.first_entry.pk, walk.first_ticket_type.pk, 2)
    late = services.book_free(member, swap.first_entry.pk, swap.first_ticket_type.pk, 1)
    theirs = services.book_free(bob, walk.first_entry.pk, walk.first_ticket_type.pk, 1)

    page = dashboard.get("/").text

    for ticket in Ticket.objects.filter(booking__in=[mine, late]):
        assert ticket.code in page
    assert page.count('<div class="ticket__qr"><svg') == 3
    assert "Hill walk" in page
    assert "Seed swap" in page
    assert walk.first_entry.local_start.strftime("%-d %B %Y") in page
    assert page.count("Send me this ticket by email") == 3
    assert f"/events/bookings/{mine.pk}/cancel/" in page
    assert f"/events/bookings/{late.pk}/cancel/" not in page  # too late to cancel
    assert theirs.tickets.get().code not in page
    assert f"/events/bookings/{theirs.pk}/cancel/" not in page


def test_the_sections_cost_the_same_queries_for_one_ticket_or_many(dashboard, member, make_event):
    first = make_event("Gig 0")
    services.book_free(member, first.first_entry.pk, first.first_ticket_type.pk, 1)
    dashboard.get("/")  # warm the header's cached fragments
    with CaptureQueriesContext(connection) as few:
        dashboard.get("/")
    for number in range(1, 6):
        event = make_event(f"Gig {number}")
        services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 1)
    with CaptureQueriesContext(connection) as many:
        page = dashboard.get("/")
    assert page.text.count("Send me this ticket by email") == 6
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


def test_a_member_has_a_ticket_mailed_with_its_qr_code_not_too_often(
    dashboard, member, bob, event, mailing, django_capture_on_commit_callbacks
):
    booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 1)
    code = booking.tickets.get().code

    with django_capture_on_commit_callbacks(execute=True):
        sent = dashboard.post(f"/events/tickets/{code}/email/", follow=True)
    assert sent.status_code == 200
    assert "on its way" in sent.text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert code in message.body
    assert "<svg" in message.alternatives[0][0]
    assert code in message.alternatives[0][0]

    with django_capture_on_commit_callbacks(execute=True):
        again = dashboard.post(f"/events/tickets/{code}/email/", follow=True)
    assert "a few minutes ago" in again.text
    assert len(mail.outbox) == 1  # throttled

    theirs = services.book_free(bob, event.first_entry.pk, event.first_ticket_type.pk, 1).tickets.get().code
    assert dashboard.post(f"/events/tickets/{theirs}/email/").status_code == 404
    assert dashboard.post("/events/tickets/NOSUCHCODE/email/").status_code == 404
    assert dashboard.get(f"/events/tickets/{code}/email/").status_code == 405
    assert len(mail.outbox) == 1


def test_a_member_cancels_a_booking_from_the_dashboard_and_nobody_elses(dashboard, member, bob, event):
    mine = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 2)
    theirs = services.book_free(bob, event.first_entry.pk, event.first_ticket_type.pk, 1)

    assert dashboard.post(f"/events/bookings/{theirs.pk}/cancel/").status_code == 404
    assert Booking.objects.get(pk=theirs.pk).status == Booking.Status.CONFIRMED

    done = dashboard.post(f"/events/bookings/{mine.pk}/cancel/", follow=True)
    assert "cancelled and its places given back" in done.text
    assert Booking.objects.get(pk=mine.pk).status == Booking.Status.CANCELLED
    assert not Ticket.objects.filter(booking=mine, valid=True).exists()

    again = dashboard.post(f"/events/bookings/{mine.pk}/cancel/", follow=True)
    assert "cancelled already" in again.text


def test_a_cancel_outside_the_window_is_refused_with_a_reason(dashboard, member, event):
    booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 1)
    soon = timezone.now() + datetime.timedelta(hours=3)
    Entry.objects.filter(pk=event.first_entry.pk).update(starts_at=soon, ends_at=soon + datetime.timedelta(hours=2))
    refused = dashboard.post(f"/events/bookings/{booking.pk}/cancel/", follow=True)
    assert "can be cancelled until 24 hours" in refused.text
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_the_export_holds_the_members_bookings_and_tickets_only(member, bob, event):
    booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 2)
    services.book_free(bob, event.first_entry.pk, event.first_ticket_type.pk, 1)

    data = account.export_member_data(member, "a-long-pass-phrase")["events"]

    assert len(data["bookings"]) == 1
    exported = data["bookings"][0]
    assert exported["event"] == event.title
    assert exported["quantity"] == 2
    assert exported["status"] == "confirmed"
    assert sorted(ticket["code"] for ticket in exported["tickets"]) == sorted(
        booking.tickets.values_list("code", flat=True)
    )


def test_deleting_the_account_frees_coming_free_places_and_detaches_the_rest(member, bob, make_event):
    coming = make_event("Coming walk", places=3)
    past = make_event("Past talk")
    mine = services.book_free(member, coming.first_entry.pk, coming.first_ticket_type.pk, 2)
    old = services.book_free(member, past.first_entry.pk, past.first_ticket_type.pk, 1)
    theirs = services.book_free(bob, coming.first_entry.pk, coming.first_ticket_type.pk, 1)
    gone = timezone.now() - datetime.timedelta(days=3)
    Entry.objects.filter(pk=past.first_entry.pk).update(starts_at=gone, ends_at=gone + datetime.timedelta(hours=2))

    account.delete_account(member, "a-long-pass-phrase")

    mine.refresh_from_db()
    old.refresh_from_db()
    assert (mine.status, mine.member_id, mine.email) == (Booking.Status.CANCELLED, None, "")
    assert not Ticket.objects.filter(booking=mine, valid=True).exists()
    assert (old.status, old.member_id, old.email) == (Booking.Status.CONFIRMED, None, "")  # kept for the counts
    assert Booking.objects.get(pk=theirs.pk).member == bob
    assert services.availability(coming)[0].remaining == 2  # the member's two places are free again


def test_a_member_has_only_so_many_tickets_mailed_an_hour(
    dashboard, member, make_event, mailing, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "TICKET_MAILS_PER_HOUR", 2)
    codes = []
    for number in range(3):
        event = make_event(f"Talk {number}")
        booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 1)
        codes.append(booking.tickets.get().code)

    with django_capture_on_commit_callbacks(execute=True):
        for code in codes[:2]:
            dashboard.post(f"/events/tickets/{code}/email/")
        refused = dashboard.post(f"/events/tickets/{codes[2]}/email/", follow=True)
    assert "try again in an hour" in refused.text
    assert len(mail.outbox) == 2
