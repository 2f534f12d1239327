"""
Telling the people who hold places on a date that it changed: cancelled (the date, or the whole
event), cancelled with every place given back (paid ones refunded), or moved to another time.

The bookings held when the change is made are named in its transaction (a place booked after a
date moved was booked for the new time); a task on the ``mail`` queue, queued once the change
commits, writes one mail per address and date, listing the places held there. The address is the
member's for a member's booking, the buyer's for a booking paid as a visitor. A member who asked
for no mail about their orders and tickets (their account preferences) is not mailed: their
tickets page and dashboard show the date as it now is.
Remote participants are told by the event's ``Update`` to the fediverse.

A task redelivered after a worker died may send a notice twice; a second copy of "this date has
moved" is a nuisance where a newsletter's would be spam, so no delivery is recorded per booking.
"""

from collections import defaultdict

from celery import shared_task
from django.db import transaction
from django.template.loader import render_to_string

from apps.account import services as account

from ..models import Booking

__all__ = ["CANCELLED", "GIVEN_BACK", "MOVED", "holding", "tell_holders", "tell_holders_after_commit"]

CANCELLED, GIVEN_BACK, MOVED = "cancelled", "given back", "moved"
SUBJECTS = {
    CANCELLED: "Cancelled: {title}, {when}",
    GIVEN_BACK: "Cancelled: {title}, {when}",
    MOVED: "New time for {title}: {when}",
}


def holding(entry_ids) -> list[int]:
    """
    Return the ids of the confirmed bookings on the dates ``entry_ids`` now. Places still awaiting
    payment have no holder to tell yet: their order names the buyer once paid.
    """
    confirmed = Booking.objects.filter(entry_id__in=list(entry_ids), status=Booking.Status.CONFIRMED)
    return list(confirmed.values_list("pk", flat=True))


def tell_holders_after_commit(booking_ids, change: str) -> None:
    """Queue the notices of ``change`` to the holders of ``booking_ids`` once the current transaction commits."""
    booking_ids = sorted(set(booking_ids))
    if booking_ids:
        transaction.on_commit(lambda: tell_holders.delay(booking_ids, change), robust=True)


def _address(booking):
    member = booking.member
    if member is None:
        return booking.email
    if member.is_active and account.wants_mail(member, "orders"):
        return member.email
    return ""


@shared_task(name="events.tell_holders")
def tell_holders(booking_ids: list[int], change: str) -> int:
    """Mail the holders of ``booking_ids`` that their dates are ``change``; return how many mails."""
    bookings = (
        Booking.objects.filter(pk__in=booking_ids)
        .select_related("entry__event__venue", "ticket_type", "member")
        .order_by("entry_id", "pk")
    )
    held = defaultdict(list)
    for booking in bookings:
        address = _address(booking)
        if address:
            held[address, booking.entry_id].append(booking)
    for (address, _entry_id), places in held.items():
        entry = places[0].entry
        paid = any(booking.order_reference for booking in places)
        context = {"change": change, "entry": entry, "event": entry.event, "places": places, "paid": paid}
        when = entry.local_start.strftime("%d %b %Y, %H:%M")
        account.queue_mail(
            [address],
            SUBJECTS[change].format(title=entry.event.title, when=when),
            render_to_string("events/email/date_changed.txt", context),
            html=render_to_string("events/email/date_changed.html", context),
        )
    return len(held)
