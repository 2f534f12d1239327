"""
The events site in Chromium: a member books a free place and sees the ticket's QR code, on the events
site and on their account dashboard; staff check it in.
"""

import datetime

import pytest
from django.utils import timezone

from apps.core.sites import get_site
from apps.events import services
from apps.events.models import Booking, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, origin, login, path="/"):
    """Follow the site's "Sign in" link from ``path``, sign in at the federation site, and come back."""
    page.goto(f"{origin}{path}")
    page.locator("header .member").get_by_role("link", name="Sign in").click()
    page.wait_for_url(f"{get_site('federation').origin}/account/sign-in/**")
    page.get_by_label("Email or username").fill(login)
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{origin}{path}")


@pytest.fixture
def seed_swap(db):
    calendar = services.create_calendar(name="The Old Mill", kind="venue")
    event = services.create_event(calendar=calendar, title="Seed swap", summary="Bring seeds.")
    start = (timezone.now() + datetime.timedelta(days=5)).replace(microsecond=0)
    services.add_entry(event, start, start + datetime.timedelta(hours=2))
    quota = services.add_quota(event, name="Hall", size=10)
    services.add_ticket_type(event, name="Entry", quota=quota)
    services.publish_event(event.pk)
    return event


def test_a_member_books_a_free_ticket_sees_its_qr_code_and_staff_check_it_in(page, member, steward, seed_swap):
    events = get_site("events").origin
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )

    sign_in(page, events, "alice@example.org", "/e/seed-swap/")
    assert "10 places left" in page.locator(".offer").inner_text()
    page.get_by_role("button", name="Book").click()
    page.wait_for_url(f"{events}/tickets/")

    ticket = Ticket.objects.get()
    card = page.locator(".ticket")
    assert card.locator(".ticket__code").inner_text() == ticket.code
    assert card.locator(".ticket__qr svg").is_visible()
    assert "Seed swap" in card.inner_text()
    card.get_by_role("button", name="Send me this ticket by email").click()
    page.wait_for_url(f"{events}/tickets/")
    assert "Your ticket is on its way to alice@example.org." in page.locator(".messages").inner_text()

    # The account dashboard shows the same ticket (the events' "Tickets" section); SSO signs her in there.
    account = get_site("account").origin
    page.goto(f"{account}/")
    assert page.locator("header .member__name").inner_text() == "alice"
    on_dashboard = page.locator(".ticket", has_text=ticket.code)
    assert on_dashboard.locator(".ticket__code").inner_text() == ticket.code
    assert on_dashboard.locator(".ticket__qr svg").is_visible()
    assert "Seed swap" in on_dashboard.inner_text()
    assert on_dashboard.get_by_role("button", name="Send me this ticket by email").is_visible()
    assert page.locator("table.bookings").get_by_role("button", name="Cancel").is_visible()

    staff = page.context.browser.new_context().new_page()
    staff.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    sign_in(staff, events, "steward@example.org")
    staff.goto(f"{events}/check-in/")
    staff.get_by_label("Ticket code").fill(ticket.code)
    staff.get_by_role("button", name="Check", exact=True).click()
    answer = staff.locator("#answer .answer")
    answer.wait_for()
    assert answer.inner_text().startswith("Valid: Seed swap, Entry (alice)")

    staff.get_by_label("Ticket code").fill(ticket.code)
    staff.get_by_role("button", name="Check", exact=True).click()
    staff.locator("#answer .answer--used").wait_for()
    assert "Already used" in staff.locator("#answer").inner_text()
    assert "by steward" in staff.locator("#answer").inner_text()

    staff.get_by_label("Ticket code").fill("not-a-ticket")
    staff.get_by_role("button", name="Check", exact=True).click()
    staff.locator("#answer .answer--unknown").wait_for()
    assert refused == []
    staff.context.close()
    ticket.refresh_from_db()
    assert ticket.checked_in_by == steward


def test_a_visitor_buys_a_paid_ticket_from_the_event_page_through_the_cart(page, settings):
    settings.SUMUP_API_KEY = ""  # the test payment page
    calendar = services.create_calendar(name="The Old Mill", kind="venue")
    event = services.create_event(calendar=calendar, title="Folk night", summary="Fiddles.")
    start = (timezone.now() + datetime.timedelta(days=5)).replace(microsecond=0)
    services.add_entry(event, start, start + datetime.timedelta(hours=3))
    quota = services.add_quota(event, name="Hall", size=4)
    services.add_ticket_type(event, name="Seat", quota=quota, price="12.50")
    services.publish_event(event.pk)
    cart = get_site("cart").origin

    page.goto(f"{get_site('events').origin}/e/{event.slug}/")
    page.locator(".offer").get_by_label("Quantity").fill("2")
    page.locator(".offer").get_by_role("button", name="Add to cart").click()  # a cross-host POST, accepted by Origin
    page.wait_for_url(f"{cart}/")
    assert "Folk night" in page.locator("main").inner_text()
    assert page.locator("#cart-total").inner_text() == "25.00 EUR"

    page.get_by_role("link", name="Check out").click()
    page.wait_for_url(f"{cart}/checkout/")
    page.locator("#id_email").fill("fan@example.org")
    page.get_by_role("button", name="Place order and pay 25.00 EUR").click()
    page.wait_for_url(f"{cart}/payments/**/test/")
    assert Booking.objects.get().status == Booking.Status.RESERVED
    assert not Ticket.objects.exists()
    page.get_by_role("button", name="Approve test payment").click()
    page.wait_for_url(f"{cart}/orders/**/")

    booking = Booking.objects.get()
    assert (booking.status, booking.email) == (Booking.Status.CONFIRMED, "fan@example.org")
    assert Ticket.objects.filter(booking=booking, valid=True).count() == 2
