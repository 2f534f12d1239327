"""Staff screens of the events: calendars, venues, events with their dates and tickets inline, bookings and tickets."""

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.template.response import TemplateResponse

from apps.core.errors import RoseAshError

from . import page_cache, services
from .models import Booking, Calendar, Entry, Event, Quota, Series, Ticket, TicketType, Venue

URLS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "timezone", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "street_address", "locality", "country"]
    list_filter = ["country"]
    search_fields = ["name", "street_address", "postal_code", "locality"]


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 1
    fields = ["starts_at", "ends_at", "status", "recurrence_id", "overridden"]
    readonly_fields = ["recurrence_id"]


class SeriesInline(admin.StackedInline):
    """A rule's dates are made when the event is saved (and daily, by beat, for a rule without end)."""

    model = Series
    extra = 0
    max_num = 1


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 1


class TicketTypeInline(admin.TabularInline):
    model = TicketType
    extra = 1
    fields = ["name", "quota", "entry", "price", "vat_rate", "currency", "sales_start", "sales_end", "per_order_limit"]


def _changed_dates(formsets):
    """Return the ids of the dates the dates inline cancelled, and of those it moved."""
    cancelled, moved = [], []
    for formset in formsets:
        if formset.model is not Entry:
            continue
        for entry, fields in formset.changed_objects:
            if "status" in fields and entry.status == Entry.Status.CANCELLED:
                cancelled.append(entry.pk)
            elif entry.status == Entry.Status.SCHEDULED and {"starts_at", "ends_at"} & set(fields):
                moved.append(entry.pk)
    return cancelled, moved


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "calendar", "venue", "status", "published_at", "updated_at"]
    list_filter = ["status", "calendar", "calendar__kind"]
    list_select_related = ["calendar", "venue"]
    search_fields = ["title", "slug", "summary", "organiser", "venue__name"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["published_at", "created_at", "updated_at"]
    inlines = [SeriesInline, EntryInline, QuotaInline, TicketTypeInline]
    actions = ["publish", "cancel", "cancel_and_give_back", "make_series_dates"]

    def save_related(self, request, form, formsets, change):
        """
        Once the event's dates and tickets (its inlines) are saved: a rule's dates are made, peers
        sent an Update of a public event, those holding places on a date staff cancelled or moved
        told by mail, and visitors see the change.
        """
        super().save_related(request, form, formsets, change)
        if Series.objects.filter(event=form.instance).exists():
            services.sync_series(form.instance.pk)  # the dates of a rule just given or changed
        cancelled, moved = _changed_dates(formsets)
        services.event_edited(form.instance.pk, cancelled=cancelled, moved=moved)
        page_cache.changed()

    @admin.action(description="Publish (and send to the events actor's followers)")
    def publish(self, request, queryset):
        self._each(request, queryset, services.publish_event, "published")

    @admin.action(description="Cancel (marked cancelled on the site, in feeds and to peers)")
    def cancel(self, request, queryset):
        self._each(request, queryset, services.cancel_event, "cancelled")

    @admin.action(description="Cancel and give every place back (paid ones refunded)")
    def cancel_and_give_back(self, request, queryset):
        """Asks first, showing what it would touch: refunds cannot be taken back."""
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Cancel and give every place back?",
                "opts": self.model._meta,
                "events": [(event, services.places_held(event)) for event in queryset],
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            }
            return TemplateResponse(request, "admin/events/event/give_back.html", context)
        give_back = partial(services.cancel_event, give_back=True)
        self._each(request, queryset, give_back, "cancelled and their places given back")
        return None

    @admin.action(description="Make the series' dates from its rule")
    def make_series_dates(self, request, queryset):
        made = sum(services.sync_series(pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{made} date(s) added.", messages.SUCCESS)

    def _each(self, request, queryset, action, done):
        count = 0
        for event in queryset:
            try:
                action(event.pk)
                count += 1
            except RoseAshError as error:
                self.message_user(request, f"{event}: {error.message}", messages.ERROR)
        if count:
            self.message_user(request, f"{count} event(s) {done}.", messages.SUCCESS)


class TicketInline(admin.TabularInline):
    model = Ticket
    extra = 0
    fields = ["code", "valid", "checked_in_at", "checked_in_by"]
    readonly_fields = fields
    can_delete = False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "entry",
        "ticket_type",
        "quantity",
        "status",
        "member",
        "actor_url",
        "order_reference",
        "created_at",
    ]
    list_filter = ["status", "entry__event__calendar"]
    list_select_related = ["entry__event", "ticket_type__event", "member"]
    search_fields = [
        "email",
        "member__username",
        "actor_url",
        "order_reference",
        "tickets__code",
        "entry__event__title",
    ]
    raw_id_fields = ["entry", "ticket_type", "member"]
    readonly_fields = ["created_at", "cancelled_at"]
    inlines = [TicketInline]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["code", "booking", "valid", "checked_in_at", "checked_in_by"]
    list_filter = ["valid", ("checked_in_at", admin.EmptyFieldListFilter)]
    list_select_related = ["booking", "checked_in_by"]
    search_fields = ["code", "booking__member__username", "booking__email"]
    readonly_fields = ["code", "created_at"]
    raw_id_fields = ["booking", "checked_in_by"]
