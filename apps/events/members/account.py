"""
A member's tickets and bookings as the account site shows and handles them: the dashboard's
"Tickets" and "Bookings" sections, their part of the data export, and what deleting the account
does to them.

The account app knows nothing of events (an import contract keeps it so): ``EventsConfig.ready()``
registers these functions through ``apps.account.services``. The sections' buttons post to the
account host itself (``account_urls``, under ``/events/``), where the member's session and CSRF
cookie are, rather than across to the events host.
"""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.sites import site_url

from .. import federating
from ..bookings import places
from ..models import Booking
from ..services import bookings_for_member, can_cancel, ticket_qr_svg, tickets_for_member

__all__ = [
    "DASHBOARD_BOOKINGS",
    "DASHBOARD_TICKETS",
    "erase_member",
    "export_events",
    "render_bookings_section",
    "render_tickets_section",
]

#: How many of each the dashboard shows; all of them are on the events host's "My tickets".
DASHBOARD_TICKETS = 10
DASHBOARD_BOOKINGS = 10


def render_tickets_section(request, member) -> str:
    """
    Return the "Tickets" section: the member's tickets for coming dates with their QR codes and a
    "Send me this ticket by email" button, in one query however many tickets they hold.
    """
    tickets = list(tickets_for_member(member, upcoming_only=True)[: DASHBOARD_TICKETS + 1])
    return render_to_string(
        "events/account/tickets.html",
        {
            "rows": [(ticket, ticket_qr_svg(ticket)) for ticket in tickets[:DASHBOARD_TICKETS]],
            "more": len(tickets) > DASHBOARD_TICKETS,
            "all_url": site_url("events", "events:tickets"),
        },
        request=request,
    )


def render_bookings_section(request, member) -> str:
    """Return the "Bookings" section: the member's newest bookings, "Cancel" on those still in their window."""
    bookings = list(bookings_for_member(member).order_by("-created_at", "-id")[: DASHBOARD_BOOKINGS + 1])
    now = timezone.now()
    return render_to_string(
        "events/account/bookings.html",
        {
            "rows": [(booking, can_cancel(booking, now)) for booking in bookings[:DASHBOARD_BOOKINGS]],
            "more": len(bookings) > DASHBOARD_BOOKINGS,
            "all_url": site_url("events", "events:tickets"),
        },
        request=request,
    )


def _when(value):
    return value.isoformat() if value else None


def export_events(member) -> dict:
    """Return the member's bookings, each with its tickets, for their data export (two queries)."""
    bookings = bookings_for_member(member).order_by("created_at", "id").prefetch_related("tickets")
    return {
        "bookings": [
            {
                "event": booking.entry.event.title,
                "url": booking.entry.event.get_absolute_url(),
                "starts_at": _when(booking.entry.starts_at),
                "ticket_type": booking.ticket_type.name,
                "quantity": booking.quantity,
                "status": booking.status,
                "order": booking.order_reference,
                "booked_at": _when(booking.created_at),
                "tickets": [
                    {"code": ticket.code, "valid": ticket.valid, "checked_in_at": _when(ticket.checked_in_at)}
                    for ticket in booking.tickets.all()
                ],
            }
            for booking in bookings
        ]
    }


def erase_member(member) -> None:
    """
    Give back the places of the member's coming free bookings (so others can have them) and detach
    the rest from them: past bookings and paid ones (their order keeps the accounting) stay for
    the counts, with no member and no email.

    Runs inside the account deletion's transaction, so nothing is half done.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("erase_member() belongs to the account deletion's transaction: call it inside atomic().")
    coming_free = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("entry__event")
        .filter(member_id=member.pk, order_reference="", entry__starts_at__gt=timezone.now())
        .exclude(status=Booking.Status.CANCELLED)
        .order_by("entry_id", "id")
    )
    changed = {}
    for booking in coming_free:
        places.release(booking)
        changed[booking.entry.event_id] = booking.entry.event
    for event in changed.values():
        federating.count_changed(event)  # peers see the new participant count
    Booking.objects.filter(member_id=member.pk).update(member=None, email="")
