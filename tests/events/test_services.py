import datetime

import pytest
from django.utils import timezone

from apps.core.errors import RoseAshError
from apps.events import services
from apps.events.models import Booking, Entry, Event, Ticket

pytestmark = pytest.mark.django_db


def test_a_free_booking_issues_one_ticket_per_place_with_unguessable_codes(event, member):
    booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 2)

    tickets = list(booking.tickets.all())
    assert booking.status == Booking.Status.CONFIRMED
    assert len(tickets) == 2
    assert len({ticket.code for ticket in tickets}) == 2
    assert all(len(ticket.code) >= 20 for ticket in tickets)
    assert list(services.tickets_for_member(member)) == tickets


def test_the_description_is_sanitized(event):
    assert "<script>" not in event.description
    assert "<p>All about Seed swap.</p>" in event.description


def test_a_full_entry_refuses_more_places(make_event, member, django_user_model):
    event = make_event(places=2)
    services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 2)
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "pass-phrase-long")

    with pytest.raises(RoseAshError) as refused:
        services.book_free(bob, event.first_entry.pk, event.first_ticket_type.pk, 1)

    assert refused.value.code == "sold_out"
    assert not Booking.objects.filter(member=bob).exists()


def test_refusals_per_order_limit_paid_draft_and_cancelled(make_event, member):
    event = make_event(places=50)
    with pytest.raises(RoseAshError) as refused:
        services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 11)
    assert refused.value.code == "over_limit"

    paid = make_event("Concert", price="12.50")
    with pytest.raises(RoseAshError) as refused:
        services.book_free(member, paid.first_entry.pk, paid.first_ticket_type.pk, 1)
    assert refused.value.code == "ticket_paid"

    draft = make_event("Draft", publish=False)
    with pytest.raises(RoseAshError) as refused:
        services.book_free(member, draft.first_entry.pk, draft.first_ticket_type.pk, 1)
    assert refused.value.code == "unavailable"

    services.cancel_entry(event, event.first_entry.pk)
    with pytest.raises(RoseAshError) as refused:
        services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 1)
    assert refused.value.code == "unavailable"
    assert not Booking.objects.exists()


def test_a_ticket_type_of_another_event_is_not_sold_on_this_entry(make_event, member):
    one, other = make_event("One"), make_event("Other")
    with pytest.raises(RoseAshError) as refused:
        services.book_free(member, one.first_entry.pk, other.first_ticket_type.pk, 1)
    assert refused.value.status == 404


def test_the_sales_window_is_kept(make_event, member):
    event = make_event()
    ticket_type = event.first_ticket_type
    ticket_type.sales_start = timezone.now() + datetime.timedelta(days=1)
    ticket_type.save()
    with pytest.raises(RoseAshError, match="not started"):
        services.book_free(member, event.first_entry.pk, ticket_type.pk)
    ticket_type.sales_start, ticket_type.sales_end = None, timezone.now() - datetime.timedelta(minutes=1)
    ticket_type.save()
    with pytest.raises(RoseAshError, match="ended"):
        services.book_free(member, event.first_entry.pk, ticket_type.pk)


def test_a_quota_is_shared_between_ticket_types(make_event, member):
    event = make_event(places=3)
    concession = services.add_ticket_type(event, name="Concession", quota=event.first_ticket_type.quota)
    services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 2)

    offers = {offer.ticket_type.name: offer.remaining for offer in services.availability(event)}
    assert offers == {"Entry": 1, "Concession": 1}
    services.book_free(member, event.first_entry.pk, concession.pk, 1)
    with pytest.raises(RoseAshError, match="full"):
        services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 1)


def test_cancelling_releases_the_place_and_invalidates_the_tickets(make_event, member, django_user_model):
    event = make_event(places=1)
    booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk)

    services.cancel_booking(member, booking.pk)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert not Ticket.objects.filter(valid=True).exists()
    assert list(services.tickets_for_member(member)) == []
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "pass-phrase-long")
    assert services.book_free(bob, event.first_entry.pk, event.first_ticket_type.pk).status == "confirmed"
    with pytest.raises(RoseAshError) as refused:
        services.cancel_booking(member, booking.pk)
    assert refused.value.code == "booking_cancelled"


def test_cancelling_is_refused_outside_the_window(make_event, member):
    event = make_event(starts_in=1, cancellation_hours=48)
    booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk)

    with pytest.raises(RoseAshError) as refused:
        services.cancel_booking(member, booking.pk)

    assert refused.value.code == "cancellation_closed"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_another_members_booking_and_ticket_are_unreachable(event, member, django_user_model):
    booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk)
    ticket = booking.tickets.get()
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "pass-phrase-long")

    with pytest.raises(RoseAshError) as refused:
        services.cancel_booking(bob, booking.pk)
    assert refused.value.status == 404
    with pytest.raises(RoseAshError) as refused:
        services.ticket_for_member(bob, ticket.code)
    assert refused.value.status == 404
    assert list(services.tickets_for_member(bob)) == []
    assert list(services.bookings_for_member(bob)) == []
    assert services.ticket_for_member(member, ticket.code) == ticket


def test_check_in_valid_used_unknown_and_cancelled(event, member, steward, django_user_model):
    booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 2)
    first, second = booking.tickets.all()

    valid = services.check_in(first.code, steward)
    used = services.check_in(f"  {first.code} ", steward)
    unknown = services.check_in("not-a-code", steward)
    empty = services.check_in("", steward)

    assert valid.outcome == "valid"
    assert valid.checked_in_by == "steward"
    assert used.outcome == "used"
    assert used.checked_in_at == valid.checked_in_at
    assert used.checked_in_by == "steward"
    assert unknown.outcome == "unknown"
    assert unknown.ticket is None
    assert empty.outcome == "unknown"
    services.cancel_booking(member, booking.pk)
    assert services.check_in(second.code, steward).outcome == "cancelled"


def test_the_qr_code_is_inline_svg_of_the_code(event, member):
    ticket = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk).tickets.get()
    svg = services.ticket_qr_svg(ticket)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert ticket.code in svg  # in its title


def test_publishing_needs_a_date(calendar):
    event = services.create_event(calendar=calendar, title="Someday")
    with pytest.raises(RoseAshError) as refused:
        services.publish_event(event.pk)
    assert refused.value.code == "event_without_dates"
    assert Event.objects.get().status == Event.Status.DRAFT


def test_an_entry_cannot_end_before_it_starts(calendar):
    event = services.create_event(calendar=calendar, title="Backwards")
    start = timezone.now()
    with pytest.raises(RoseAshError):
        services.add_entry(event, start, start - datetime.timedelta(hours=1))
    assert not Entry.objects.exists()


def test_a_ticket_type_for_one_date_is_offered_and_sold_on_that_date_only(make_event, member):
    event = make_event(places=10)
    start = event.first_entry.starts_at + datetime.timedelta(days=7)
    second = services.add_entry(event, start, start + datetime.timedelta(hours=2))
    early = services.add_ticket_type(event, name="Early bird", quota=event.first_ticket_type.quota, entry=second)

    offered = {(offer.entry.pk, offer.ticket_type.name) for offer in services.availability(event)}

    assert offered == {
        (event.first_entry.pk, "Entry"),
        (second.pk, "Entry"),
        (second.pk, "Early bird"),
    }
    with pytest.raises(RoseAshError) as refused:
        services.book_free(member, event.first_entry.pk, early.pk)
    assert refused.value.status == 404
    assert services.book_free(member, second.pk, early.pk).entry == second
