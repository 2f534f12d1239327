"""
What the events site does, for its views, its admin, the cart's provider, federation and the
account dashboard.

Functions take plain values and raise ``RoseAshError`` with a sentence a member or staff can act
on. Places are taken under a row lock on the entry (``_lock_entry``): every booking of an entry,
free, paid or federated, waits for the one before it, so an entry is never overbooked. A published
event's changes go to the fediverse in the same transaction (``apps.events.federating``).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import segno
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from apps.account import services as account
from apps.core import counting
from apps.core.errors import RoseAshError
from apps.core.validation import save_validated

from . import federating
from .bookings import notices, places
from .bookings.places import register_refund_handler
from .dates import ical
from .dates.recurrence import RuleError, occurrences
from .models import Booking, Calendar, Entry, Event, Quota, Series, Ticket, TicketType, Venue

__all__ = [
    "Availability",
    "CheckIn",
    "PlacesHeld",
    "add_entry",
    "add_quota",
    "add_ticket_type",
    "availability",
    "book_free",
    "bookings_for_member",
    "can_cancel",
    "cancel_booking",
    "cancel_entry",
    "cancel_event",
    "check_in",
    "create_calendar",
    "create_event",
    "create_venue",
    "delete_event",
    "email_ticket",
    "entries_between",
    "event_edited",
    "extend_series",
    "feed_bytes",
    "feed_events",
    "get_calendar",
    "get_event",
    "listed_calendars",
    "move_entry",
    "participant_count",
    "places_held",
    "publish_event",
    "register_refund_handler",
    "set_series",
    "sync_series",
    "ticket_for_member",
    "ticket_qr_svg",
    "tickets_for_member",
    "upcoming_entries",
]


# --- Calendars, venues, events, entries ---


def create_calendar(*, name: str, slug: str = "", kind: str = "group", description: str = "", tz: str = "") -> Calendar:
    calendar = Calendar(name=name, slug=slug or slugify(name), kind=kind, description=description)
    if tz:
        calendar.timezone = tz
    return save_validated(calendar, "calendar_invalid")


def create_venue(*, name: str, **address: str) -> Venue:
    """Add a venue; ``address`` holds ``street_address``, ``postal_code``, ``locality``, ``region``, ``country``."""
    return save_validated(Venue(name=name, **address), "venue_invalid")


def create_event(
    *,
    calendar: Calendar,
    title: str,
    slug: str = "",
    summary: str = "",
    description: str = "",
    organiser: str = "",
    venue: Venue | None = None,
    tz: str = "",
    cancellation_hours: int = 24,
) -> Event:
    """Write a draft event; its description is cleaned as an editor's article is."""
    event = Event(
        calendar=calendar,
        title=title,
        slug=slug or slugify(title),
        summary=summary,
        description=description,  # cleaned by Event.save
        organiser=organiser,
        venue=venue,
        timezone=tz or calendar.timezone,
        cancellation_hours=cancellation_hours,
    )
    return save_validated(event, "event_invalid")


def add_entry(event: Event, starts_at: datetime.datetime, ends_at: datetime.datetime) -> Entry:
    """Add a single date; naive times are read in the event's time zone."""
    starts_at, ends_at = _aware(starts_at, event), _aware(ends_at, event)
    if ends_at < starts_at:
        raise RoseAshError("entry_invalid", "An entry cannot end before it starts.")
    with transaction.atomic():
        entry = Entry.objects.create(event=event, starts_at=starts_at, ends_at=ends_at)
        _changed(event)
    return entry


def _aware(moment, event):
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=event.zone)


def set_series(event: Event, *, first_start: datetime.datetime, duration: datetime.timedelta, rule: str) -> Series:
    """Give ``event`` a recurring rule (replacing any it had) and make its entries from it."""
    first_start = _aware(first_start, event)
    try:
        occurrences(first_start, rule, event.timezone)
    except RuleError as exc:
        raise RoseAshError("rule_invalid", str(exc)) from None
    with transaction.atomic():
        series, _ = Series.objects.update_or_create(
            event=event, defaults={"first_start": first_start, "duration": duration, "rule": rule}
        )
        _sync(series)
        _changed(event)
    return series


def sync_series(event_id: int) -> int:
    """Make the entries an event's rule gives that do not exist yet (run it as time passes); return how many."""
    with transaction.atomic():
        series = Series.objects.select_related("event").filter(event_id=event_id).first()
        return 0 if series is None else _sync(series)


def extend_series() -> int:
    """Sync every series (a rule without an end gets the dates that came within the horizon); return how many."""
    return sum(sync_series(event_id) for event_id in Series.objects.values_list("event_id", flat=True))


def _sync(series):
    """
    Make the entries of ``series`` from its rule: missing occurrences are added; entries the rule no
    longer gives are deleted unless changed by hand or booked; overrides are kept as they are.
    """
    event = series.event
    starts = occurrences(series.first_start, series.rule, event.timezone)
    wanted = {start.astimezone(datetime.UTC) for start in starts}
    existing = {entry.recurrence_id: entry for entry in event.entries.filter(recurrence_id__isnull=False)}
    for recurrence_id, entry in existing.items():
        if recurrence_id not in wanted and not entry.overridden and not entry.bookings.exists():
            entry.delete()
    new = [
        Entry(event=event, starts_at=start, ends_at=start + series.duration, recurrence_id=start)
        for start in wanted
        if start not in existing
    ]
    Entry.objects.bulk_create(new)
    return len(new)


def _entry_of(event, entry_id):
    try:
        return Entry.objects.select_for_update().get(pk=entry_id, event=event)
    except Entry.DoesNotExist:
        raise RoseAshError("entry_unknown", "This event has no such date.", status=404) from None


def cancel_entry(event: Event, entry_id: int) -> Entry:
    """
    Cancel one date (a series keeps the rest); its bookings stay for staff to see, the feed marks it
    cancelled, and those holding places are told by mail.
    """
    with transaction.atomic():
        entry = _entry_of(event, entry_id)
        entry.status, entry.overridden = Entry.Status.CANCELLED, True
        entry.save(update_fields=["status", "overridden"])
        _changed(event)
        notices.tell_holders_after_commit(notices.holding([entry.pk]), notices.CANCELLED)
    return entry


def move_entry(event: Event, entry_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime) -> Entry:
    """
    Move one date to another time; an entry of a series stays the same occurrence (RECURRENCE-ID).
    Those holding places are told the new time by mail.
    """
    starts_at, ends_at = _aware(starts_at, event), _aware(ends_at, event)
    if ends_at < starts_at:
        raise RoseAshError("entry_invalid", "An entry cannot end before it starts.")
    with transaction.atomic():
        entry = _entry_of(event, entry_id)
        entry.starts_at, entry.ends_at, entry.overridden = starts_at, ends_at, True
        entry.save(update_fields=["starts_at", "ends_at", "overridden"])
        _changed(event)
        notices.tell_holders_after_commit(notices.holding([entry.pk]), notices.MOVED)
    return entry


def add_quota(event: Event, *, name: str, size: int) -> Quota:
    return save_validated(Quota(event=event, name=name, size=size), "quota_invalid")


def add_ticket_type(
    event: Event,
    *,
    name: str,
    quota: Quota,
    price: str | int = 0,
    vat_rate: str | int = 0,
    currency: str = "EUR",
    entry: Entry | None = None,
    sales_start: datetime.datetime | None = None,
    sales_end: datetime.datetime | None = None,
    per_order_limit: int = 10,
) -> TicketType:
    if quota.event_id != event.pk or (entry is not None and entry.event_id != event.pk):
        raise RoseAshError(
            "ticket_type_invalid", "A ticket type draws on a quota, and is for a date, of its own event."
        )
    ticket_type = TicketType(
        event=event,
        entry=entry,
        quota=quota,
        name=name,
        price=price,
        vat_rate=vat_rate,
        currency=currency,
        sales_start=sales_start,
        sales_end=sales_end,
        per_order_limit=per_order_limit,
    )
    return save_validated(ticket_type, "ticket_type_invalid")


def publish_event(event_id: int) -> Event:
    """Publish an event: shown on the site and in the feeds, and sent to the events actor's followers."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        if not event.entries.exists():
            raise RoseAshError("event_without_dates", "Give the event at least one date before publishing it.")
        event.status = Event.Status.PUBLISHED
        event.published_at = event.published_at or timezone.now()
        event.save(update_fields=["status", "published_at", "updated_at"])
        federating.publish(event)
    return event


def cancel_event(event_id: int, *, give_back: bool = False) -> Event:
    """
    Cancel a whole event: still shown, marked cancelled on the site, in feeds and to peers (an
    Update); those holding places on its coming dates are told by mail.

    With ``give_back``, every confirmed place on those dates is given back as a member's cancel
    gives it (tickets void, a paid booking refunded through its order once committed), whatever
    the cancellation window. Places still awaiting payment are left to their order, which a
    cancelled event no longer sells.
    """
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        was_public = event.is_public
        event.status = Event.Status.CANCELLED
        event.save(update_fields=["status", "updated_at"])
        if was_public:
            federating.publish(event)
        coming = event.entries.filter(status=Entry.Status.SCHEDULED, ends_at__gte=timezone.now())
        held = notices.holding(coming.values_list("pk", flat=True))
        if give_back:
            confirmed = Booking.objects.select_for_update(of=("self",)).filter(
                pk__in=held, status=Booking.Status.CONFIRMED
            )
            for booking in confirmed.order_by("pk"):
                places.give_back(booking)
            _count_changed(event)
        notices.tell_holders_after_commit(held, notices.GIVEN_BACK if give_back else notices.CANCELLED)
    return event


@dataclass(frozen=True)
class PlacesHeld:
    """What giving back an event's places would touch: confirmed bookings on its coming dates."""

    bookings: int
    places: int
    paid: int  # bookings paid through an order, which would be refunded


def places_held(event: Event) -> PlacesHeld:
    """Count the confirmed bookings and places on the event's coming dates (staff confirm a give-back on it)."""
    held = Booking.objects.filter(
        entry__event=event,
        entry__status=Entry.Status.SCHEDULED,
        entry__ends_at__gte=timezone.now(),
        status=Booking.Status.CONFIRMED,
    ).aggregate(bookings=Count("pk"), places=Sum("quantity"), paid=Count("pk", filter=~Q(order_reference="")))
    return PlacesHeld(held["bookings"], held["places"] or 0, held["paid"])


def delete_event(event_id: int) -> None:
    """Delete an event nobody booked; peers receive a Delete. A booked event is cancelled instead."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        if Booking.objects.filter(entry__event=event).exists():
            raise RoseAshError("event_booked", "This event has bookings: cancel it instead of deleting it.", status=409)
        federating.delete(event)
        event.delete()


def event_edited(event_id: int, *, cancelled: Iterable[int] = (), moved: Iterable[int] = ()) -> Event:
    """
    Tell peers and visitors about an edit made elsewhere (the admin's form): an Update when public;
    and those holding places on the dates it ``cancelled`` or ``moved`` (entry ids), by mail.
    """
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)  # its description cleaned as it was saved
        _changed(event)
        mine = event.entries.values_list("pk", flat=True)
        notices.tell_holders_after_commit(notices.holding(mine.filter(pk__in=list(cancelled))), notices.CANCELLED)
        notices.tell_holders_after_commit(notices.holding(mine.filter(pk__in=list(moved))), notices.MOVED)
    return event


def _changed(event):
    """Tell peers about a published event's new dates (an Update)."""
    if event.is_public:
        federating.publish(event)


# --- What visitors see ---


def listed_calendars() -> QuerySet[Calendar]:
    return Calendar.objects.order_by("name")


def get_calendar(slug: str) -> Calendar:
    try:
        return Calendar.objects.get(slug=slug)
    except Calendar.DoesNotExist:
        raise RoseAshError("calendar_unknown", "There is no calendar at this address.", status=404) from None


def _public_entries():
    return Entry.objects.filter(event__status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED]).select_related(
        "event", "event__calendar", "event__venue"
    )


def upcoming_entries(*, calendar: Calendar | None = None, q: str = "", kind: str = "") -> QuerySet[Entry]:
    """Return the public entries not over yet, soonest first (one query with event, calendar and venue)."""
    entries = _public_entries().filter(ends_at__gte=timezone.now())
    return _filtered(entries, calendar, q, kind)


def entries_between(
    start: datetime.datetime, end: datetime.datetime, *, calendar: Calendar | None = None, q: str = "", kind: str = ""
) -> QuerySet[Entry]:
    """Return the public entries overlapping ``[start, end)``, for a month grid or a week."""
    entries = _public_entries().filter(starts_at__lt=end, ends_at__gte=start)
    return _filtered(entries, calendar, q, kind)


def _filtered(entries, calendar, q, kind):
    if calendar is not None:
        entries = entries.filter(event__calendar=calendar)
    if kind:
        entries = entries.filter(event__calendar__kind=kind)
    if q:
        entries = entries.filter(Q(event__title__icontains=q) | Q(event__summary__icontains=q))
    return entries.order_by("starts_at", "id")


def get_event(slug: str, *, staff: bool = False) -> Event:
    """Return the public event ``slug`` (staff see drafts too), with its dates and ticket types."""
    events = Event.objects.select_related("calendar", "venue").prefetch_related(
        Prefetch("entries", queryset=Entry.objects.order_by("starts_at", "id")),
        Prefetch("ticket_types", queryset=TicketType.objects.select_related("quota")),
    )
    if not staff:
        events = events.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])
    try:
        return events.get(slug=slug)
    except Event.DoesNotExist:
        raise RoseAshError("event_unknown", "There is no event at this address.", status=404) from None


def feed_events(*, calendar: Calendar | None = None, event_slug: str = "") -> list[Event]:
    """Return the public events of a feed with their dates, rule and venue: three queries for any number."""
    events = (
        Event.objects.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])
        .select_related("venue", "series")
        .prefetch_related(Prefetch("entries", queryset=Entry.objects.order_by("starts_at", "id")))
        .order_by("pk")
    )
    if calendar is not None:
        events = events.filter(calendar=calendar)
    if event_slug:
        events = events.filter(slug=event_slug)
    return list(events)


def feed_bytes(name: str, events: list[Event]) -> bytes:
    """Return the iCalendar feed of ``events`` (from ``feed_events``)."""
    return ical.feed(name, events)


@dataclass(frozen=True)
class Availability:
    """What one ticket type offers on one entry now."""

    entry: Entry
    ticket_type: TicketType
    remaining: int
    on_sale: bool
    reason: str  # why it cannot be had, or ""

    @property
    def bookable(self):
        return self.on_sale and self.remaining > 0

    @property
    def cart_ref(self) -> str:
        """The ``events.ticket`` ref the cart sells this offer under: ``"<ticket type id>.<entry id>"``."""
        return f"{self.ticket_type.pk}.{self.entry.pk}"


def availability(event: Event, entries: Iterable[Entry] | None = None) -> list[Availability]:
    """Return each ticket type's offer on each of ``entries`` (default: the event's upcoming ones), in one query."""
    now = timezone.now()
    entries = [entry for entry in (entries if entries is not None else event.entries.all()) if entry.ends_at >= now]
    ticket_types = list(event.ticket_types.all())
    taken = places.taken_places({t.quota_id for t in ticket_types}, [entry.pk for entry in entries])
    offers = []
    for entry in entries:
        entry.event = event
        for ticket_type in ticket_types:
            if ticket_type.entry_id not in (None, entry.pk):
                continue
            remaining = max(ticket_type.quota.size - taken.get((ticket_type.quota_id, entry.pk), 0), 0)
            reason = places.sale_state(ticket_type, entry, now)
            offers.append(Availability(entry, ticket_type, remaining, not reason, reason))
    return offers


participant_count = places.participant_count


def book_free(member, entry_id: int, ticket_type_id: int, quantity: int = 1) -> Booking:
    """Book free places for a signed-in member: confirmed at once, with its tickets."""
    if not getattr(member, "is_authenticated", False):
        raise RoseAshError("sign_in_required", "Sign in to book a place.", status=401)
    with transaction.atomic():
        ticket_type = TicketType.objects.filter(pk=ticket_type_id).only("price").first()
        if ticket_type is not None and not ticket_type.is_free:
            raise RoseAshError("ticket_paid", "This ticket is paid: add it to your cart instead.", status=409)
        booking = places.take_places(entry_id, ticket_type_id, quantity, member=member, email=member.email)
        places.issue_tickets(booking)
        _count_changed(booking.entry.event)
    return booking


def _count_changed(event):
    federating.count_changed(event)


# --- A member's bookings and tickets (the account dashboard reads these) ---


def bookings_for_member(member) -> QuerySet[Booking]:
    """Return the member's bookings, newest first, with entry, event and ticket type in the same query."""
    return Booking.objects.filter(member=member).select_related("entry__event__venue", "ticket_type")


def tickets_for_member(member, *, upcoming_only: bool = False) -> QuerySet[Ticket]:
    """Return the member's valid tickets, soonest date first (one query)."""
    tickets = Ticket.objects.filter(booking__member=member, valid=True).select_related(
        "booking__entry__event__venue", "booking__ticket_type"
    )
    if upcoming_only:
        tickets = tickets.filter(booking__entry__ends_at__gte=timezone.now())
    return tickets.order_by("booking__entry__starts_at", "id")


def ticket_for_member(member, code: str) -> Ticket:
    """Return the member's ticket ``code``; another member's (or none) is 404."""
    ticket = tickets_for_member(member).filter(code=code).first()
    if ticket is None:
        raise RoseAshError("ticket_unknown", "You have no ticket with this code.", status=404)
    return ticket


def ticket_qr_svg(ticket: Ticket) -> SafeString:
    """
    Return the ticket's code as an inline SVG QR image (no XML declaration, sized by CSS), safe to
    put in a page as it is: segno writes only paths and the title, and the code is ours (``secrets``).
    """
    qr = segno.make_qr(ticket.code, error="m")
    return mark_safe(qr.svg_inline(scale=4, border=2, title=f"Ticket {ticket.code}"))  # noqa: S308 (see above)


#: A member may have one ticket mailed again every few minutes, and a handful an hour in all:
#: enough to find a lost mail, too little to turn the button into a way of flooding a mailbox.
TICKET_MAIL_PAUSE = 300
TICKET_MAILS_PER_HOUR = 10


def email_ticket(member, code: str) -> Ticket:
    """
    Mail the member's ticket ``code`` to them, with its QR code, once the request commits.

    Another member's ticket is 404. Throttled per ticket (``TICKET_MAIL_PAUSE``) and per member
    (``TICKET_MAILS_PER_HOUR``) in the shared cache: 429 with when to try again.
    """
    ticket = ticket_for_member(member, code)
    if not member.email:
        raise RoseAshError("no_email", "Your account has no email address to send the ticket to.", status=409)
    hourly = f"events:ticket-mails:{member.pk}"
    if cache.get(hourly, 0) >= TICKET_MAILS_PER_HOUR:
        raise RoseAshError("too_many_mails", "You asked for many tickets by email: try again in an hour.", status=429)
    if not cache.add(f"events:ticket-mail:{ticket.pk}", 1, timeout=TICKET_MAIL_PAUSE):
        raise RoseAshError(
            "mailed_recently", "This ticket was sent to you a few minutes ago: look in your mailbox.", status=429
        )
    counting.hit(hourly, 3600)  # the hour starts with the first mail
    context = {"ticket": ticket, "entry": ticket.booking.entry, "event": ticket.booking.entry.event}
    context["qr"] = ticket_qr_svg(ticket)
    account.queue_mail(
        [member.email],
        f"Your ticket: {ticket.booking.entry.event.title}",
        render_to_string("events/email/ticket.txt", context),
        html=render_to_string("events/email/ticket.html", context),
    )
    return ticket


def can_cancel(booking: Booking, now: datetime.datetime | None = None) -> bool:
    """Whether ``cancel_booking`` would accept the booking now: confirmed, in its window (entry and event loaded)."""
    now = now or timezone.now()
    deadline = booking.entry.starts_at - datetime.timedelta(hours=booking.entry.event.cancellation_hours)
    return booking.status == Booking.Status.CONFIRMED and now <= deadline


def cancel_booking(member, booking_id: int) -> Booking:
    """
    Cancel a member's booking within its event's cancellation window: the places are released,
    its tickets no longer valid, a paid one refunded through its order. Another member's is 404.
    """
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("entry__event")
            .filter(pk=booking_id, member=member)
            .first()
        )
        if booking is None:
            raise RoseAshError("booking_unknown", "You have no such booking.", status=404)
        if booking.status == Booking.Status.CANCELLED:
            raise RoseAshError("booking_cancelled", "This booking is cancelled already.", status=409)
        entry, event = booking.entry, booking.entry.event
        deadline = entry.starts_at - datetime.timedelta(hours=event.cancellation_hours)
        if timezone.now() > deadline:
            raise RoseAshError(
                "cancellation_closed",
                f"Bookings can be cancelled until {event.cancellation_hours} hours before the event starts.",
                status=409,
            )
        places.give_back(booking)
        _count_changed(event)
    return booking


# --- Check-in at the door ---


@dataclass(frozen=True)
class CheckIn:
    """The door's answer: ``valid`` (checked in now), ``used`` (when, by whom), ``cancelled`` or ``unknown``."""

    outcome: str
    ticket: Ticket | None = None
    checked_in_at: datetime.datetime | None = None
    checked_in_by: str = ""


def check_in(code: str, staff) -> CheckIn:
    """Check a ticket in once, under its row lock: a second scan answers when and by whom it was used."""
    code = (code or "").strip()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("booking__entry__event", "booking__ticket_type", "booking__member", "checked_in_by")
            .filter(code=code)
            .first()
            if code
            else None
        )
        if ticket is None:
            return CheckIn("unknown")
        if not ticket.valid:
            return CheckIn("cancelled", ticket)
        if ticket.checked_in_at is not None:
            by = ticket.checked_in_by.get_username() if ticket.checked_in_by else ""
            return CheckIn("used", ticket, ticket.checked_in_at, by)
        ticket.checked_in_at, ticket.checked_in_by = timezone.now(), staff
        ticket.save(update_fields=["checked_in_at", "checked_in_by"])
        return CheckIn("valid", ticket, ticket.checked_in_at, staff.get_username())
