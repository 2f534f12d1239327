"""
The events' data: calendars, venues, events with their entries (dates), ticket types drawing on
quotas, and bookings with their tickets.

An event happens on one or many *entries*. A recurring event keeps its rule on a ``Series``
(an RRULE read by python-dateutil) and its dates as entries made from the rule, so lists, the
month grid and bookings read plain rows; an entry of a series keeps the start the rule gave it
(``recurrence_id``) so a moved or cancelled date stays an override of that occurrence (the
RECURRENCE-ID of the iCal feed). Places are counted per entry: a ``Quota`` gives each entry of
its event ``size`` places, shared by the ticket types that draw on it.
"""

import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from apps.core.sanitize import clean_editorial_html
from apps.core.sites import site_url

from .images import event_picture_path, validate_event_picture


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name; give one such as Europe/London.")


TIMEZONE_FIELD = {"max_length": 64, "validators": [validate_timezone], "help_text": "IANA name, e.g. Europe/London."}


class Calendar(models.Model):
    """A list of events someone keeps: a venue's programme, a group's meetings."""

    class Kind(models.TextChoices):
        VENUE = "venue", "Venue"
        GROUP = "group", "Group"

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=120, unique=True, error_messages={"unique": "A calendar with this slug exists already."}
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GROUP)
    description = models.TextField(blank=True)
    timezone = models.CharField(default="Europe/London", **TIMEZONE_FIELD)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return site_url("events", "events:calendar", kwargs={"slug": self.slug})


class Venue(models.Model):
    """Where events happen, with a postal address (sent to peers as a Place with a PostalAddress)."""

    name = models.CharField(max_length=160)
    street_address = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    locality = models.CharField("town", max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, e.g. GB.")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def one_line(self):
        parts = [self.name, self.street_address, " ".join(filter(None, [self.postal_code, self.locality]))]
        return ", ".join(part for part in parts if part)


class Event(models.Model):
    """Something that happens on one or more entries, with its description, venue and tickets."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Cancelled"

    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, error_messages={"unique": "An event with this slug exists already."}
    )
    summary = models.CharField(max_length=300, blank=True, help_text="One or two sentences for lists.")
    description = models.TextField(blank=True, help_text="Sanitized HTML.")
    image = models.ImageField(upload_to=event_picture_path, blank=True, validators=[validate_event_picture])
    organiser = models.CharField(max_length=160, blank=True)
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    timezone = models.CharField(default="Europe/London", **TIMEZONE_FIELD)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    cancellation_hours = models.PositiveIntegerField(
        default=24, help_text="Members may cancel a booking until this many hours before the entry starts."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Keep the description clean of anything that could run, whoever saves it (services, admin)."""
        self.description = clean_editorial_html(self.description or "")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return site_url("events", "events:event", kwargs={"slug": self.slug})

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def is_public(self):
        return self.status in (self.Status.PUBLISHED, self.Status.CANCELLED)


class Series(models.Model):
    """
    The rule of a recurring event: the first start (in the event's time zone), how long each lasts,
    and an RRULE such as ``FREQ=WEEKLY;BYDAY=TH;UNTIL=20270101T000000Z``. Its entries are made from
    it by ``services.sync_series``; the wall-clock time is kept across daylight-saving changes.
    """

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="series")
    first_start = models.DateTimeField()
    duration = models.DurationField()
    rule = models.CharField(
        max_length=300,
        validators=[RegexValidator(r"^FREQ=", "An RRULE starts with FREQ=, e.g. FREQ=WEEKLY;BYDAY=TH;COUNT=10.")],
    )

    class Meta:
        verbose_name_plural = "series"

    def __str__(self):
        return f"{self.event}: {self.rule}"


class Entry(models.Model):
    """One date of an event: when it starts and ends (tz-aware), and whether it still happens."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="entries")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    #: The start the series' rule gave this entry; empty for an entry of its own.
    recurrence_id = models.DateTimeField(null=True, blank=True)
    #: Changed by hand from what the rule gave it (moved or cancelled): a new sync keeps it so.
    overridden = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="events_entry_ends_after"),
            models.UniqueConstraint(
                fields=["event", "recurrence_id"],
                condition=Q(recurrence_id__isnull=False),
                name="events_entry_one_per_occurrence",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="events_entry_upcoming")]

    def __str__(self):
        return f"{self.event.title}, {self.starts_at:%Y-%m-%d %H:%M}" if self.event_id else str(self.starts_at)

    @property
    def cancelled(self):
        return self.status == self.Status.CANCELLED or self.event.status == Event.Status.CANCELLED

    @property
    def moved(self):
        return self.recurrence_id is not None and self.overridden and self.starts_at != self.recurrence_id

    @property
    def local_start(self):
        return self.starts_at.astimezone(self.event.zone)

    @property
    def local_end(self):
        return self.ends_at.astimezone(self.event.zone)


class Quota(models.Model):
    """``size`` places on each entry of its event, shared by the ticket types that draw on it."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quotas")
    name = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text="Places per entry.")

    def __str__(self):
        return f"{self.name} ({self.size})"


class TicketType(models.Model):
    """A kind of ticket for an event (or one entry of it): free or paid, drawing places from a quota."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="ticket_types", help_text="Only this date."
    )
    quota = models.ForeignKey(Quota, on_delete=models.RESTRICT, related_name="ticket_types")
    name = models.CharField(max_length=100)
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0, "A price cannot be negative.")],
        help_text="VAT included; 0 for a free ticket booked directly.",
    )
    vat_rate = models.DecimalField(
        "VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100, "A VAT rate is a percentage from 0 to 100.")],
    )
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}\Z", "Give the currency as its ISO 4217 code, such as EUR.")],
    )
    sales_start = models.DateTimeField(null=True, blank=True)
    sales_end = models.DateTimeField(null=True, blank=True, help_text="Empty: until the entry starts.")
    per_order_limit = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "price", "id"]
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="events_ticket_price_not_negative")]

    def __str__(self):
        return f"{self.event.title}: {self.name}" if self.event_id else self.name

    @property
    def is_free(self):
        return self.price == 0


class Booking(models.Model):
    """
    Places taken on one entry with one ticket type, by a member, a buyer's order or a remote actor.

    A paid booking is *reserved* when the order is placed (places held, no tickets) and confirmed
    with its tickets when the order is paid; a free one is confirmed at once.
    """

    class Status(models.TextChoices):
        RESERVED = "reserved", "Reserved (awaiting payment)"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="bookings")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="bookings")
    quantity = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED, db_index=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="event_bookings"
    )
    email = models.EmailField(blank=True)
    #: The fediverse actor that joined, for a booking made by a remote Join.
    actor_url = models.URLField(max_length=500, blank=True, db_index=True)
    #: The cart order that holds or paid for it; empty for a free booking.
    order_reference = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_reference", "ticket_type", "entry"],
                condition=~Q(order_reference=""),
                name="events_booking_one_per_order_line",
            )
        ]

    def __str__(self):
        return f"{self.quantity} x ticket type {self.ticket_type_id} on entry {self.entry_id}"

    @property
    def holder(self):
        return self.member.get_username() if self.member_id else (self.actor_url or self.email)


class Ticket(models.Model):
    """One place of a confirmed booking: its unguessable code is what the door checks."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="tickets")
    code = models.CharField(max_length=32, unique=True, editable=False)
    valid = models.BooleanField(default=True, help_text="False once its booking is cancelled.")
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.code

    @staticmethod
    def new_code():
        """Return 20 characters of a URL-safe alphabet: 120 random bits, never guessed."""
        return secrets.token_urlsafe(15)
