"""
Paid tickets in the cart: the ``events.ticket`` purchasable provider.

A ref names a ticket type on one date: ``"<ticket type id>.<entry id>"``. Placing an order
*reserves* its places (a ``Booking`` in state reserved, counted against the quota like any other,
no tickets yet); paying it *fulfils* them (the booking confirmed and its tickets issued, once per
order however often the cart calls); an order that will not be paid *releases* them. Free tickets
are not sold here: members book them directly on the event's page.
"""

from collections.abc import Iterable, Mapping

from django.db.models import Q
from django.utils import timezone

from apps.cart.services import Offer, refund_item_after_commit
from apps.core.errors import RoseAshError

from ..models import Booking, Entry, TicketType
from . import notices, places

__all__ = ["KIND", "TicketProvider", "parse_ref", "ref_of", "refund_ticket"]

KIND = "events.ticket"


def ref_of(ticket_type_id: int, entry_id: int) -> str:
    return f"{ticket_type_id}.{entry_id}"


def parse_ref(ref: str) -> tuple[int, int] | None:
    """Return ``(ticket type id, entry id)`` of a ref, or None for one that is not ours."""
    ticket_type, _, entry = str(ref).partition(".")
    if not (ticket_type.isdigit() and entry.isdigit()):
        return None
    return int(ticket_type), int(entry)


class TicketProvider:
    kind = KIND

    def offers(self, refs: Iterable[str]) -> Mapping[str, Offer]:
        """Return the paid tickets of ``refs`` on sale now, in three queries however many refs."""
        wanted = {ref: parsed for ref in refs if (parsed := parse_ref(ref)) is not None}
        if not wanted:
            return {}
        ticket_types = TicketType.objects.select_related("quota", "event__calendar").in_bulk(
            {ticket_type for ticket_type, _entry in wanted.values()}
        )
        entries = Entry.objects.in_bulk({entry for _ticket_type, entry in wanted.values()})
        taken = places.taken_places({ticket_type.quota_id for ticket_type in ticket_types.values()}, list(entries))
        now, found = timezone.now(), {}
        for ref, (ticket_type_id, entry_id) in wanted.items():
            ticket_type, entry = ticket_types.get(ticket_type_id), entries.get(entry_id)
            if ticket_type is None or entry is None or ticket_type.is_free or entry.event_id != ticket_type.event_id:
                continue
            if ticket_type.entry_id not in (None, entry.pk):
                continue
            event = ticket_type.event
            entry.event = event
            if places.sale_state(ticket_type, entry, now):
                continue
            remaining = max(ticket_type.quota.size - taken.get((ticket_type.quota_id, entry.pk), 0), 0)
            found[ref] = Offer(
                kind=KIND,
                ref=ref,
                title=f"{event.title}, {entry.local_start:%a %d %b %Y %H:%M}: {ticket_type.name}",
                unit_price=ticket_type.price,
                vat_rate=ticket_type.vat_rate,
                currency=ticket_type.currency,
                available=remaining,
                ships=False,
                url=event.get_absolute_url(),
                seller=event.calendar.name,
                per_order_limit=ticket_type.per_order_limit,
            )
        return found

    def reserve(self, quantities: Mapping[str, int], order_reference: str) -> None:
        """Hold the places of an order being placed, each date under its row lock, in the order of the refs."""
        for ref in sorted(quantities):
            ticket_type_id, entry_id = self._parsed(ref)
            held = Booking.objects.filter(
                order_reference=order_reference, ticket_type_id=ticket_type_id, entry_id=entry_id
            ).exclude(status=Booking.Status.CANCELLED)
            if held.exists():
                continue  # reserved already for this order
            ticket_type = TicketType.objects.filter(pk=ticket_type_id).only("price").first()
            if ticket_type is not None and ticket_type.is_free:
                raise RoseAshError(
                    "unavailable", "Free tickets are booked on the event's page, not bought.", status=409
                )
            places.take_places(
                entry_id,
                ticket_type_id,
                quantities[ref],
                order_reference=order_reference,
                status=Booking.Status.RESERVED,
            )

    def release(self, quantities: Mapping[str, int], order_reference: str) -> None:
        """Give back what an order held or bought (expired, cancelled, refunded): its tickets stop being valid."""
        for booking in self._bookings(quantities, order_reference).select_for_update():
            places.release(booking)

    def fulfil(
        self, quantities: Mapping[str, int], order_reference: str, buyer_email: str, member_id: int | None
    ) -> None:
        """
        Confirm a paid order's bookings and issue their tickets; a second call issues nothing more.
        Places on a date cancelled meanwhile are given back and refunded at once.
        """
        bookings = list(
            self._bookings(quantities, order_reference).select_related("entry__event").select_for_update(of=("self",))
        )
        if len(bookings) != len(quantities):
            raise RoseAshError("reservation_missing", f"Order {order_reference} holds no places for some tickets.")
        too_late = []
        for booking in bookings:
            if booking.status == Booking.Status.RESERVED:
                booking.email, booking.member_id = buyer_email, member_id
                booking.save(update_fields=["email", "member"])
                if booking.entry.cancelled:
                    too_late.append(booking)
            places.issue_tickets(booking)
        for booking in too_late:
            places.give_back(booking)
        notices.tell_holders_after_commit([booking.pk for booking in too_late], notices.GIVEN_BACK)

    def _parsed(self, ref):
        parsed = parse_ref(ref)
        if parsed is None:
            raise RoseAshError("item_unknown", f"{ref!r} is not a ticket sold here.", status=404)
        return parsed

    def _bookings(self, quantities, order_reference):
        lines = Q(pk__in=[])
        for ref in quantities:
            ticket_type_id, entry_id = self._parsed(ref)
            lines |= Q(ticket_type_id=ticket_type_id, entry_id=entry_id)
        return (
            Booking.objects.filter(lines, order_reference=order_reference)
            .exclude(status=Booking.Status.CANCELLED)
            .order_by("entry_id", "ticket_type_id")
        )


def refund_ticket(order_reference: str, ref: str, quantity: int) -> None:
    """The refund hook of ``places.give_back``: the cart refunds the tickets after the give-back commits."""
    refund_item_after_commit(order_reference, KIND, ref, quantity)
