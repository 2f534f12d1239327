"""The events.ticket provider, driven directly as the cart drives it (through real orders: test_cart_tickets)."""

from decimal import Decimal

import pytest
from django.db import transaction

from apps.cart import services as cart
from apps.core.errors import RoseAshError
from apps.events import services
from apps.events.bookings import places
from apps.events.bookings.purchasables import KIND, ref_of
from apps.events.models import Booking, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    return cart.provider_for(KIND)


@pytest.fixture
def concert(make_event):
    event = make_event("Concert", price="12.50", places=4)
    ticket_type = event.first_ticket_type
    ticket_type.vat_rate = Decimal("10")
    ticket_type.per_order_limit = 3
    ticket_type.save()
    event.ref = ref_of(ticket_type.pk, event.first_entry.pk)
    return event


def test_the_provider_is_registered_and_offers_paid_tickets_only(provider, concert, make_event):
    free = make_event("Free talk")
    offers = provider.offers([concert.ref, ref_of(free.first_ticket_type.pk, free.first_entry.pk), "nonsense", "99.99"])

    assert list(offers) == [concert.ref]
    offer = offers[concert.ref]
    assert offer.unit_price == Decimal("12.50")
    assert offer.vat_rate == Decimal("10")
    assert offer.available == 4
    assert offer.per_order_limit == 3
    assert offer.ships is False
    assert offer.seller == "The Old Mill"
    assert offer.url == concert.get_absolute_url()


def test_offers_take_constant_queries(provider, make_event, django_assert_num_queries):
    refs = []
    for number in range(6):
        event = make_event(f"Gig {number}", price="5.00")
        refs.append(ref_of(event.first_ticket_type.pk, event.first_entry.pk))
    with django_assert_num_queries(3):
        assert len(provider.offers(refs)) == 6


def test_reserving_holds_places_and_issues_no_tickets_until_fulfil(provider, concert, member):
    with transaction.atomic():
        provider.reserve({concert.ref: 3}, "ORDER-1")

    booking = Booking.objects.get()
    assert booking.status == Booking.Status.RESERVED
    assert not Ticket.objects.exists()
    assert provider.offers([concert.ref])[concert.ref].available == 1
    with pytest.raises(RoseAshError) as refused, transaction.atomic():
        provider.reserve({concert.ref: 2}, "ORDER-2")
    assert refused.value.code == "sold_out"

    with transaction.atomic():
        provider.fulfil({concert.ref: 3}, "ORDER-1", "alice@example.org", member.pk)
        provider.fulfil({concert.ref: 3}, "ORDER-1", "alice@example.org", member.pk)  # a repeat issues nothing

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.member == member
    assert Ticket.objects.count() == 3
    assert services.tickets_for_member(member).count() == 3


def test_release_gives_the_places_back(provider, concert):
    with transaction.atomic():
        provider.reserve({concert.ref: 3}, "ORDER-1")
    assert provider.offers([concert.ref])[concert.ref].available == 1

    with transaction.atomic():
        provider.release({concert.ref: 3}, "ORDER-1")

    assert provider.offers([concert.ref])[concert.ref].available == 4
    assert Booking.objects.get().status == Booking.Status.CANCELLED
    with pytest.raises(RoseAshError) as refused, transaction.atomic():
        provider.fulfil({concert.ref: 3}, "ORDER-1", "a@example.org", None)
    assert refused.value.code == "reservation_missing"
    assert not Ticket.objects.exists()


def test_reserve_refuses_over_the_per_order_limit_free_tickets_and_unknown_refs(provider, concert, make_event):
    free = make_event("Free talk")
    with pytest.raises(RoseAshError, match="At most 3"), transaction.atomic():
        provider.reserve({concert.ref: 4}, "ORDER-1")
    with pytest.raises(RoseAshError) as refused, transaction.atomic():
        provider.reserve({ref_of(free.first_ticket_type.pk, free.first_entry.pk): 1}, "ORDER-1")
    assert refused.value.code == "unavailable"
    with pytest.raises(RoseAshError) as refused, transaction.atomic():
        provider.reserve({"bogus": 1}, "ORDER-1")
    assert refused.value.status == 404
    assert not Booking.objects.exists()


def test_a_paid_booking_is_cancelled_through_the_refund_hook(provider, concert, member, monkeypatch):
    monkeypatch.setattr(places, "_refund_handlers", [])  # as if the cart had registered nothing
    with transaction.atomic():
        provider.reserve({concert.ref: 2}, "ORDER-9")
        provider.fulfil({concert.ref: 2}, "ORDER-9", member.email, member.pk)
    booking = Booking.objects.get()

    with pytest.raises(RoseAshError) as refused:
        services.cancel_booking(member, booking.pk)
    assert refused.value.code == "refund_unavailable"  # no cart wired yet: nothing is cancelled

    refunds = []
    services.register_refund_handler(lambda order, ref, quantity: refunds.append((order, ref, quantity)))
    services.cancel_booking(member, booking.pk)

    assert refunds == [("ORDER-9", concert.ref, 2)]
    assert provider.offers([concert.ref])[concert.ref].available == 4
    assert not Ticket.objects.filter(valid=True).exists()
