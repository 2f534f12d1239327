"""
Telling the people who hold places on a date that it changed: cancelled (the date, or the whole
event) or moved to another time.

A task on the ``mail`` queue, queued once the change commits, writes one mail per address and date,
listing the places held there. The address is the member's for a member's booking, the buyer's for
a booking paid as a visitor. A member who asked for no mail about their orders and tickets (their
account preferences) is not mailed: their tickets page and dashboard show the date as it now is.
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

__all__ = ["CANCELLED", "MOVED", "tell_holders", "tell_holders_after_commit"]

CANCELLED, MOVED = "cancelled", "moved"
SUBJECTS = {CANCELLED: "Cancelled: {title}, {when}", MOVED: "New time for {title}: {when}"}
HOLDING = (Booking.Status.CONFIRMED, Booking.Status.RESERVED)


def tell_holders_after_commit(entry_ids, change: str) -> None:
    """Queue the notices of ``change`` to the dates ``entry_ids`` once the current transaction commits."""
    entry_ids = sorted(set(entry_ids))
    if entry_ids:
        transaction.on_commit(lambda: tell_holders.delay(entry_ids, change), robust=True)


def _address(booking):
    member = booking.member
    if member is None:
        return booking.email
    if member.is_active and account.wants_mail(member, "orders"):
        return member.email
    return ""


@shared_task(name="events.tell_holders")
def tell_holders(entry_ids: list[int], change: str) -> int:
    """Mail everyone holding places on the dates ``entry_ids`` that they are ``change``; return how many mails."""
    bookings = (
        Booking.objects.filter(entry_id__in=entry_ids, status__in=HOLDING)
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
        context = {"change": change, "entry": entry, "event": entry.event, "places": places}
        when = entry.local_start.strftime("%d %b %Y, %H:%M")
        account.queue_mail(
            [address],
            SUBJECTS[change].format(title=entry.event.title, when=when),
            render_to_string("events/email/date_changed.txt", context),
            html=render_to_string("events/email/date_changed.html", context),
        )
    return len(held)
