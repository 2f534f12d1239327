"""
Taking and giving back places: the one way every booking is made (a member's free booking, a cart
order's reservation, a remote actor's Join), so all of them count places under the same lock; and
the one way a held place is given back (a member's cancel, staff cancelling with refunds, an order
paid for a date cancelled meanwhile), a paid one refunded through its order.
"""

from collections.abc import Callable

from django.db.models import Sum
from django.utils import timezone

from apps.core.errors import RoseAshError

from .. import page_cache
from ..models import Booking, Entry, Event, Ticket, TicketType

__all__ = [
    "TAKEN",
    "give_back",
    "issue_tickets",
    "lock_entry",
    "participant_count",
    "register_refund_handler",
    "release",
    "sale_state",
    "take_places",
    "taken_places",
]

TAKEN = (Booking.Status.RESERVED, Booking.Status.CONFIRMED)


def taken_places(quota_ids, entry_ids):
    """Return ``{(quota id, entry id): places taken}`` from one aggregate query."""
    rows = (
        Booking.objects.filter(status__in=TAKEN, ticket_type__quota_id__in=quota_ids, entry_id__in=entry_ids)
        .values_list("ticket_type__quota_id", "entry_id")
        .annotate(taken=Sum("quantity"))
    )
    return {(quota_id, entry_id): taken for quota_id, entry_id, taken in rows}


def sale_state(ticket_type, entry, now):
    if entry.cancelled:
        return "This date is cancelled."
    if entry.event.status != Event.Status.PUBLISHED:
        return "This event is not open for booking."
    if entry.starts_at <= now:
        return "This date has begun."
    if ticket_type.sales_start and now < ticket_type.sales_start:
        return "Sales have not started yet."
    if ticket_type.sales_end and now >= ticket_type.sales_end:
        return "Sales have ended."
    return ""


def lock_entry(entry_id):
    """
    Lock the entry's row until the transaction ends, so its places are counted by one booking at a
    time. Must run inside a transaction (``select_for_update`` refuses otherwise).
    """
    try:
        return Entry.objects.select_for_update(of=("self",)).select_related("event").get(pk=entry_id)
    except Entry.DoesNotExist:
        raise RoseAshError("entry_unknown", "There is no such date.", status=404) from None


def take_places(entry_id: int, ticket_type_id: int, quantity: int, **booking: object) -> Booking:
    """
    Book ``quantity`` places of a ticket type on an entry, under the entry's lock, or raise
    ``sold_out`` / ``unavailable``. ``booking`` gives the holder and status (member, actor_url,
    order_reference, status). Run it inside the caller's transaction.
    """
    entry = lock_entry(entry_id)
    ticket_type = TicketType.objects.select_related("quota").filter(pk=ticket_type_id, event_id=entry.event_id).first()
    if ticket_type is None or ticket_type.entry_id not in (None, entry.pk):
        raise RoseAshError("ticket_type_unknown", "This ticket is not sold for this date.", status=404)
    if quantity < 1:
        raise RoseAshError("quantity_invalid", "Book at least one place.")
    if quantity > ticket_type.per_order_limit:
        raise RoseAshError(
            "over_limit", f"At most {ticket_type.per_order_limit} of “{ticket_type.name}” per booking.", status=409
        )
    reason = sale_state(ticket_type, entry, timezone.now())
    if reason:
        raise RoseAshError("unavailable", reason, status=409)
    taken = taken_places([ticket_type.quota_id], [entry.pk]).get((ticket_type.quota_id, entry.pk), 0)
    if taken + quantity > ticket_type.quota.size:
        left = max(ticket_type.quota.size - taken, 0)
        raise RoseAshError(
            "sold_out", f"Only {left} place(s) left for this date." if left else "This date is full.", status=409
        )
    page_cache.changed()  # the places left, on the event's page
    return Booking.objects.create(entry=entry, ticket_type=ticket_type, quantity=quantity, **booking)


def issue_tickets(booking: Booking) -> list[Ticket]:
    """Confirm ``booking`` and give it one ticket per place (once: a confirmed booking has them already)."""
    if booking.tickets.exists():
        return list(booking.tickets.all())
    booking.status = Booking.Status.CONFIRMED
    booking.save(update_fields=["status"])
    return Ticket.objects.bulk_create(Ticket(booking=booking, code=Ticket.new_code()) for _ in range(booking.quantity))


def participant_count(event: Event) -> int:
    """Return how many places are confirmed on the event's dates (public, as Mobilizon shows it)."""
    total = Booking.objects.filter(entry__event=event, status=Booking.Status.CONFIRMED).aggregate(n=Sum("quantity"))
    return total["n"] or 0


def release(booking: Booking) -> None:
    """Give back a booking's places: cancelled, its tickets no longer valid. Run it under the caller's lock."""
    booking.status, booking.cancelled_at = Booking.Status.CANCELLED, timezone.now()
    booking.save(update_fields=["status", "cancelled_at"])
    booking.tickets.update(valid=False)
    page_cache.changed()


_refund_handlers: list[Callable[[str, str, int], None]] = []


def register_refund_handler(handler: Callable[[str, str, int], None]) -> None:
    """
    Register what refunds a given-back paid booking through its order: ``handler(order_reference,
    ref, quantity)`` with the purchasable ref (``"<ticket type>.<entry>"``), run in the caller's
    transaction. ``EventsConfig.ready()`` registers the cart's; without one, paid places are not
    given back here.
    """
    if handler not in _refund_handlers:
        _refund_handlers.append(handler)


def give_back(booking: Booking) -> None:
    """Release a booking's places and void its tickets; a paid one is refunded through its order."""
    if booking.order_reference:
        if not _refund_handlers:
            raise RoseAshError("refund_unavailable", "Paid tickets are cancelled through your order.", status=409)
        for handler in _refund_handlers:
            handler(booking.order_reference, f"{booking.ticket_type_id}.{booking.entry_id}", booking.quantity)
    release(booking)
