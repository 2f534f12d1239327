"""The events site's pages: thin over ``services``; a ``RoseAshError`` becomes its answer in the middleware."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.errors import RoseAshError

from . import markup, page_cache, services
from .dates import grids

PER_PAGE = 30
KINDS = ("venue", "group")


def _filters(request):
    """Return the list filters a request asks for: calendar (a slug), kind (venue or group), q."""
    slug = request.GET.get("calendar", "")
    calendar = services.get_calendar(slug) if slug else None
    kind = request.GET.get("kind", "")
    return {"calendar": calendar, "kind": kind if kind in KINDS else "", "q": request.GET.get("q", "").strip()[:100]}


def _filter_query(filters):
    query = {}
    if filters["calendar"]:
        query["calendar"] = filters["calendar"].slug
    if filters["kind"]:
        query["kind"] = filters["kind"]
    if filters["q"]:
        query["q"] = filters["q"]
    return query


def _zone(filters):
    return filters["calendar"].timezone if filters["calendar"] else timezone.get_current_timezone_name()


@page_cache.for_visitors
def upcoming(request, calendar=None):
    filters = _filters(request)
    if calendar is not None:
        filters["calendar"] = calendar
    page = Paginator(services.upcoming_entries(**filters), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/upcoming.html",
        {"page": page, "filters": filters, "calendars": services.listed_calendars(), "query": _filter_query(filters)},
    )


def calendar_page(request, slug):
    return upcoming(request, calendar=services.get_calendar(slug))


def _month_of(request):
    today = timezone.localdate()
    try:
        year, month = int(request.GET.get("year", today.year)), int(request.GET.get("month", today.month))
        datetime.date(year, month, 1)
    except ValueError:
        raise RoseAshError("month_invalid", "Give the month as ?year=2027&month=3.") from None
    if not 1900 < year < 3000:
        raise RoseAshError("month_invalid", "Give a year between 1901 and 2999.")
    return year, month


@page_cache.for_visitors
def month(request):
    filters = _filters(request)
    year, month_number = _month_of(request)
    zone = _zone(filters)
    start, end = grids.month_range(year, month_number, zone)
    entries = list(services.entries_between(start, end, **filters))
    first = datetime.date(year, month_number, 1)
    previous = first - datetime.timedelta(days=1)
    following = first + datetime.timedelta(days=32)
    return render(
        request,
        "events/month.html",
        {
            "weeks": grids.month_weeks(year, month_number, zone, entries),
            "first": first,
            "previous": {"year": previous.year, "month": previous.month},
            "next": {"year": following.year, "month": following.month},
            "filters": filters,
            "query": _filter_query(filters),
            "calendars": services.listed_calendars(),
        },
    )


@page_cache.for_visitors
def week(request):
    filters = _filters(request)
    try:
        day = datetime.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else timezone.localdate()
    except ValueError:
        raise RoseAshError("date_invalid", "Give the week as ?date=2027-03-04.") from None
    zone = _zone(filters)
    start, end = grids.week_range(day, zone)
    entries = list(services.entries_between(start, end, **filters))
    monday = start.date()
    return render(
        request,
        "events/week.html",
        {
            "days": grids.week_days(day, zone, entries),
            "monday": monday,
            "previous": (monday - datetime.timedelta(days=7)).isoformat(),
            "next": (monday + datetime.timedelta(days=7)).isoformat(),
            "filters": filters,
            "query": _filter_query(filters),
            "calendars": services.listed_calendars(),
        },
    )


@page_cache.for_visitors
def event_detail(request, slug):
    event = services.get_event(slug, staff=request.user.is_staff)
    offers = services.availability(event)
    url = event.get_absolute_url()
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "entries": event.entries.all(),
            "offers": offers,
            "participants": services.participant_count(event),
            "canonical_url": url,
            "structured_data": markup.json_ld(markup.event_json_ld(event, url, offers)),
        },
    )


@login_required
@require_POST
def book(request, slug):
    event = services.get_event(slug)
    try:
        entry_id, ticket_type_id = int(request.POST["entry"]), int(request.POST["ticket_type"])
        quantity = int(request.POST.get("quantity", 1))
    except (KeyError, ValueError):
        raise RoseAshError("booking_invalid", "Choose a date, a ticket and how many places.") from None
    if not event.entries.filter(pk=entry_id).exists():
        raise RoseAshError("entry_unknown", "This event has no such date.", status=404)
    try:
        services.book_free(request.user, entry_id, ticket_type_id, quantity)
    except RoseAshError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
        return redirect(event.get_absolute_url())
    messages.success(request, f"Booked: your ticket{'s are' if quantity > 1 else ' is'} below.")
    return redirect("events:tickets")


@login_required
def my_tickets(request):
    tickets = list(services.tickets_for_member(request.user, upcoming_only=request.GET.get("all") != "1"))
    rows = [(ticket, services.ticket_qr_svg(ticket)) for ticket in tickets]
    bookings = Paginator(services.bookings_for_member(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "events/my_tickets.html", {"rows": rows, "bookings": bookings})


@page_cache.for_visitors
def feed(request, slug=None, event_slug=None):
    """The iCalendar feed of everything, of one calendar (``slug``) or of one event (``event_slug``)."""
    if event_slug:
        events = services.feed_events(event_slug=event_slug)
        if not events:
            raise RoseAshError("event_unknown", "There is no event at this address.", status=404)
        name = events[0].title
    elif slug:
        calendar = services.get_calendar(slug)
        events, name = services.feed_events(calendar=calendar), calendar.name
    else:
        events, name = services.feed_events(), "Rose Ash events"
    response = HttpResponse(services.feed_bytes(name, events), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    return response


@login_required
def check_in(request):
    """
    Staff enter or scan a code: valid (now checked in), used (when, by whom), cancelled or unknown.
    A member who is not staff is told so (403), not sent to sign in again and back, round in circles.
    """
    if not request.user.is_staff:
        raise RoseAshError("staff_only", "Only the cooperative's staff check tickets in.", status=403)
    result = None
    if request.method == "POST":
        result = services.check_in(request.POST.get("code", ""), request.user)
        if "json" in request.headers.get("Accept", ""):
            return JsonResponse(_check_in_json(result))
    return render(request, "events/check_in.html", {"result": result, "answer_url": reverse("events:check_in")})


def _check_in_json(result):
    answer = {"outcome": result.outcome}
    if result.ticket is not None:
        booking = result.ticket.booking
        answer |= {"event": booking.entry.event.title, "ticket": booking.ticket_type.name, "holder": booking.holder}
    if result.checked_in_at is not None:
        answer |= {"checked_in_at": result.checked_in_at.isoformat(), "checked_in_by": result.checked_in_by}
    return answer
