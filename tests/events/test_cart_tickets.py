"""Paid tickets bought through the real cart: the event page's form, the order, payment, expiry and refunds."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cart import services as cart
from apps.cart.models import Order, OrderLine, OrderState
from apps.cart.tasks import expire_orders
from apps.core.errors import RoseAshError
from apps.core.sites import get_site
from apps.events import services
from apps.events.bookings.purchasables import KIND, ref_of
from apps.events.models import Booking, Entry, Event, Ticket
from tests.workers import celery_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def concert(make_event):
    event = make_event("Concert", price="12.50", places=4)
    event.ref = ref_of(event.first_ticket_type.pk, event.first_entry.pk)
    return event


@pytest.fixture
def paying(settings, eager_tasks):
    """The test payment page stands in for SumUp; mail and refund tasks run in this process."""
    settings.SUMUP_API_KEY = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def left(event):
    return cart.provider_for(KIND).offers([event.ref])[event.ref].available


def add_from_event_page(client, event, quantity):
    """POST the event page's add-to-cart form to the cart host and follow its redirect, as a browser does."""
    posted = client.post(
        "/add/",
        {"kind": KIND, "ref": event.ref, "quantity": quantity},
        HTTP_ORIGIN=get_site("events").origin,
    )
    assert posted.status_code == 302, posted.content
    return client.get(posted["Location"])


def buy(event, quantity, *, member=None):
    """Place and pay (on the test payment page's path) an order of ``quantity`` tickets."""
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, KIND, event.ref, quantity)
    order = cart.place_order(
        basket, email=member.email if member else "fan@example.org", delivery=None, member_id=member and member.pk
    )
    cart.start_payment(order)
    cart.settle_test_payment(order.payments.get().reference, approve=True)
    return Order.objects.get(pk=order.pk)


def test_the_event_page_offers_paid_tickets_through_the_cart_and_free_ones_by_booking(site_client, concert, make_event):
    free = make_event("Seed swap")
    page = site_client("events").get(concert.get_absolute_url())
    assert '<meta name="referrer" content="strict-origin-when-cross-origin">' in page.text
    assert f'action="{get_site("cart").origin}/add/"' in page.text
    assert 'name="kind" value="events.ticket"' in page.text
    assert f'name="ref" value="{concert.ref}"' in page.text

    free_page = site_client("events").get(free.get_absolute_url())
    assert 'value="events.ticket"' not in free_page.text  # free places are booked, not bought


def test_a_paid_ticket_goes_from_the_event_page_to_issued_tickets_once(
    site_client, concert, paying, django_capture_on_commit_callbacks
):
    cart_client = site_client("cart")
    added = add_from_event_page(cart_client, concert, 3)
    assert added.status_code == 302  # into the cart
    assert "Concert" in cart_client.get("/").text

    placed = cart_client.post("/checkout/", {"email": "fan@example.org"})
    assert placed.status_code == 302, placed.content
    order = Order.objects.get()
    assert order.total == Decimal("37.50")
    booking = Booking.objects.get()
    assert (booking.status, booking.quantity, booking.order_reference) == (Booking.Status.RESERVED, 3, order.number)
    assert not Ticket.objects.exists()
    assert left(concert) == 1

    payment = order.payments.get()
    with django_capture_on_commit_callbacks(execute=True):
        cart_client.post(f"/payments/{payment.reference}/test/", {"outcome": "approve"})
    order.refresh_from_db()
    booking.refresh_from_db()
    assert order.state == OrderState.PAID
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.email == "fan@example.org"
    assert Ticket.objects.filter(booking=booking, valid=True).count() == 3

    # The payment confirmed again (a second click, a replay): nothing more is issued.
    cart_client.post(f"/payments/{payment.reference}/test/", {"outcome": "approve"})
    cart.settle_test_payment(payment.reference, approve=True)
    assert Ticket.objects.count() == 3
    assert left(concert) == 1


def test_an_unpaid_order_expiring_releases_the_places(concert, paying, django_capture_on_commit_callbacks):
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, KIND, concert.ref, 4)
    order = cart.place_order(basket, email="fan@example.org", delivery=None, member_id=None)
    assert left(concert) == 0
    with pytest.raises(RoseAshError) as refused:
        cart.add_to_cart(cart.cart_of(create=True), KIND, concert.ref, 1)
    assert refused.value.status == 409  # sold out while the order waits

    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_orders() == 1

    assert Order.objects.get(pk=order.pk).state == OrderState.CANCELLED
    assert Booking.objects.get().status == Booking.Status.CANCELLED
    assert not Ticket.objects.exists()
    assert left(concert) == 4


def test_a_member_cancelling_a_paid_ticket_is_refunded_that_lines_price(
    concert, make_event, member, paying, django_capture_on_commit_callbacks
):
    other = make_event("Other gig", price="5.00")
    other.ref = ref_of(other.first_ticket_type.pk, other.first_entry.pk)
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, KIND, concert.ref, 2)
    cart.add_to_cart(basket, KIND, other.ref, 1)
    order = cart.place_order(basket, email=member.email, delivery=None, member_id=member.pk)
    cart.start_payment(order)
    cart.settle_test_payment(order.payments.get().reference, approve=True)
    booking = Booking.objects.get(entry=concert.first_entry)
    assert booking.member == member
    assert left(concert) == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(member, booking.pk)

    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert order.refunded_amount == Decimal("25.00")  # the concert's line, not the other gig
    assert order.refunds.get().amount == Decimal("25.00")
    assert OrderLine.objects.get(order=order, ref=concert.ref).refunded_quantity == 2
    assert left(concert) == 4
    assert not Ticket.objects.filter(booking=booking, valid=True).exists()
    assert Ticket.objects.filter(booking__entry=other.first_entry, valid=True).count() == 1

    # The same item cannot be refunded twice over, nor an item the order does not hold.
    with pytest.raises(RoseAshError) as refused:
        cart.refund_order_item(order.number, KIND, concert.ref, 1)
    assert (refused.value.code, refused.value.status) == ("refund_invalid", 409)
    with pytest.raises(RoseAshError) as refused:
        cart.refund_order_item(order.number, KIND, "999.999", 1)
    assert refused.value.status == 404
    assert Order.objects.get(pk=order.pk).refunded_amount == Decimal("25.00")


def test_a_refused_cancel_refunds_nothing(
    concert, member, django_user_model, paying, django_capture_on_commit_callbacks
):
    order = buy(concert, 1, member=member)
    booking = Booking.objects.get()
    intruder = django_user_model.objects.create_user("mallory", "mallory@example.org", "a-long-pass-phrase")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RoseAshError) as refused:
        services.cancel_booking(intruder, booking.pk)
    assert refused.value.status == 404

    soon = timezone.now() + timedelta(hours=2)  # inside the 24 hours before the date: too late to cancel
    Entry.objects.filter(pk=concert.first_entry.pk).update(starts_at=soon, ends_at=soon + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RoseAshError) as refused:
        services.cancel_booking(member, booking.pk)
    assert refused.value.code == "cancellation_closed"

    assert Order.objects.get(pk=order.pk).refunded_amount == Decimal("0.00")
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
    assert Ticket.objects.filter(valid=True).count() == 1


def test_staff_cancelling_with_give_back_refund_every_paid_place_and_tell_everyone(
    concert, member, paying, mailoutbox, django_capture_on_commit_callbacks
):
    theirs = buy(concert, 2, member=member)
    fans = buy(concert, 1)
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, KIND, concert.ref, 1)
    unpaid = cart.place_order(basket, email="later@example.org", delivery=None, member_id=None)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_event(concert.pk, give_back=True)

    for order, refunded in ((theirs, "25.00"), (fans, "12.50")):
        order.refresh_from_db()
        assert (order.state, order.refunded_amount) == (OrderState.REFUNDED, Decimal(refunded))
    assert not Ticket.objects.filter(valid=True).exists()
    statuses = dict(Booking.objects.values_list("order_reference", "status"))
    assert statuses[unpaid.number] == Booking.Status.RESERVED  # left to its order
    notices = {m.to[0]: m for m in mailoutbox if m.subject.startswith("Cancelled: Concert")}
    assert set(notices) == {"alice@example.org", "fan@example.org"}  # an unpaid order names nobody yet
    assert "refunded to the card you paid with" in notices["alice@example.org"].body
    assert "You held:" in notices["fan@example.org"].body
    assert {m.subject for m in mailoutbox} >= {f"Order {theirs.number}: money refunded"}


def test_an_order_paid_after_its_date_was_cancelled_is_given_back_and_refunded_at_once(
    concert, paying, mailoutbox, django_capture_on_commit_callbacks
):
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, KIND, concert.ref, 1)
    order = cart.place_order(basket, email="fan@example.org", delivery=None, member_id=None)
    services.cancel_event(concert.pk)  # while the buyer is on the payment page

    with django_capture_on_commit_callbacks(execute=True):
        cart.start_payment(order)
        cart.settle_test_payment(order.payments.get().reference, approve=True)

    order.refresh_from_db()
    assert (order.state, order.refunded_amount) == (OrderState.REFUNDED, Decimal("12.50"))
    assert Booking.objects.get().status == Booking.Status.CANCELLED
    assert not Ticket.objects.filter(valid=True).exists()
    (notice,) = [m for m in mailoutbox if m.subject.startswith("Cancelled: Concert")]
    assert notice.to == ["fan@example.org"]
    assert "refunded to the card you paid with" in notice.body


def test_staff_confirm_a_give_back_in_the_admin_before_anything_is_refunded(
    site_client, steward, concert, member, paying, django_capture_on_commit_callbacks
):
    order = buy(concert, 2, member=member)
    admin = site_client("events", signed_in=steward)
    chosen = {"action": "cancel_and_give_back", "_selected_action": [concert.pk]}

    asked = admin.post("/admin/events/event/", chosen)
    assert asked.status_code == 200
    assert "Cancel and give every place back?" in asked.text
    assert "<td>Concert</td><td>1</td><td>2</td><td>1</td>" in asked.text
    assert Event.objects.get(pk=concert.pk).status == Event.Status.PUBLISHED

    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post("/admin/events/event/", {**chosen, "confirmed": "yes"}, follow=True)
    assert "1 event(s) cancelled and their places given back." in done.text
    assert Event.objects.get(pk=concert.pk).status == Event.Status.CANCELLED
    assert Order.objects.get(pk=order.pk).refunded_amount == Decimal("25.00")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_refunds_the_cancelled_ticket_after_the_cancel_commits(concert, member, settings):
    settings.SUMUP_API_KEY = ""  # the test payment: the worker has no key either
    order = buy(concert, 2, member=member)
    booking = Booking.objects.get()

    with celery_worker(queues=("default",)):
        services.cancel_booking(member, booking.pk)  # commits, then queues cart.refund_item
        deadline = time.monotonic() + 60
        while Order.objects.get(pk=order.pk).refunded_amount == 0 and time.monotonic() < deadline:
            time.sleep(0.2)

    order.refresh_from_db()
    assert (order.state, order.refunded_amount) == (OrderState.REFUNDED, Decimal("25.00"))
    assert left(concert) == 4
