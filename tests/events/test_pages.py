import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.pages.fragments import FragmentContext, render_fragment
from apps.events import page_cache, services
from apps.events.models import Booking, Ticket

pytestmark = pytest.mark.django_db

LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture
def events(site_client):
    return site_client("events")


def page_queries(client, path):
    """Return the queries of building a page, the header's cached fragments warm first (the page itself not kept)."""
    client.get(path)
    page_cache.new_edition()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_upcoming_lists_public_dates_soonest_first_and_filters(events, make_event, calendar):
    make_event("Later", starts_in=9)
    make_event("Sooner", starts_in=2)
    make_event("Hidden draft", publish=False)
    group = services.create_calendar(name="Walkers", kind="group")
    walk_event = services.create_event(calendar=group, title="Hill walk")
    start = timezone.now() + datetime.timedelta(days=3)
    services.add_entry(walk_event, start, start + datetime.timedelta(hours=3))
    services.publish_event(walk_event.pk)

    def titles(**query):
        return [entry.event.title for entry in events.get("/", query).context["page"].object_list]

    assert titles() == ["Sooner", "Hill walk", "Later"]
    assert titles(calendar="walkers") == ["Hill walk"]
    assert titles(kind="venue") == ["Sooner", "Later"]
    assert titles(q="soon") == ["Sooner"]
    assert titles(kind="bogus") == ["Sooner", "Hill walk", "Later"]
    assert events.get("/", {"calendar": "nowhere"}).status_code == 404
    calendar_page = events.get("/calendars/walkers/")
    assert [entry.event.title for entry in calendar_page.context["page"].object_list] == ["Hill walk"]
    assert (
        '<link rel="alternate" type="text/calendar" title="Walkers" href="/calendars/walkers/feed.ics">'
        in calendar_page.text
    )
    assert '<link rel="alternate" type="text/calendar" title="All events" href="/feed.ics">' in events.get("/").text


@pytest.mark.parametrize("path", ["/", "/month/", "/week/", "/calendars/old-mill/"])
def test_lists_make_the_same_queries_for_3_or_30_events(events, make_event, path):
    for number in range(3):
        make_event(f"Gathering {number}", starts_in=1 + number % 5)
    few = page_queries(events, path)
    for number in range(3, 30):
        make_event(f"Gathering {number}", starts_in=1 + number % 5)
    many = page_queries(events, path)

    assert len(many) == len(few), "\n".join(many)
    assert len(few) <= 6, "\n".join(few)


def test_the_month_grid_puts_each_date_on_its_day(events, calendar):
    event = services.create_event(calendar=calendar, title="Quiz night")
    services.add_entry(event, datetime.datetime(2027, 3, 4, 20), datetime.datetime(2027, 3, 4, 22))
    services.add_entry(event, datetime.datetime(2027, 3, 31, 23, 30), datetime.datetime(2027, 4, 1, 1, 0))
    services.publish_event(event.pk)

    page = events.get("/month/", {"year": 2027, "month": 3, "calendar": "old-mill"})

    days = {
        day.date.isoformat(): [e.event.title for e in day.entries] for week in page.context["weeks"] for day in week
    }
    assert days["2027-03-04"] == ["Quiz night"]
    assert days["2027-03-31"] == ["Quiz night"]
    assert days["2027-04-01"] == ["Quiz night"]  # past midnight: shown on both days
    assert days["2027-03-05"] == []
    assert next(iter(days)) == "2027-03-01"  # weeks start on Monday
    assert events.get("/month/", {"year": "x", "month": 3}).status_code == 400
    assert events.get("/month/", {"year": 2027, "month": 13}).status_code == 400
    week = events.get("/week/", {"date": "2027-03-03"})
    assert next(day.date.isoformat() for day in week.context["days"]) == "2027-03-01"
    assert [e.event.title for e in week.context["days"][3].entries] == ["Quiz night"]
    assert events.get("/week/", {"date": "03/03/2027"}).status_code == 400


def test_the_event_page_shows_dates_availability_and_json_ld(
    events, make_event, member, django_capture_on_commit_callbacks
):
    event = make_event("Seed swap", places=5)
    services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk, 2)

    page = events.get(f"/e/{event.slug}/")

    assert page.status_code == 200
    assert "3 places left" in page.text
    assert f'<link rel="alternate" type="text/calendar" title="Seed swap" href="/e/{event.slug}/feed.ics">' in page.text
    data = json.loads(LD_JSON.search(page.text).group(1))
    assert data["@type"] == "Event"
    assert data["startDate"] == event.first_entry.local_start.isoformat()
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"]["address"]["postalCode"] == "AB1 2CD"
    assert data["offers"][0]["price"] == "0.00"
    assert data["offers"][0]["availability"] == "https://schema.org/InStock"
    assert "<script>alert" not in page.text
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_event(event.pk)
    data = json.loads(LD_JSON.search(events.get(f"/e/{event.slug}/").text).group(1))
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


def test_drafts_are_404_to_visitors_and_shown_to_staff(events, make_event, steward):
    draft = make_event("Draft", publish=False)
    assert events.get(f"/e/{draft.slug}/").status_code == 404
    events.force_login(steward)
    assert events.get(f"/e/{draft.slug}/").status_code == 200


def test_a_member_books_sees_the_ticket_with_its_qr_code_and_cancels(events, make_event, member):
    event = make_event(places=3)
    assert (
        events.post(
            f"/e/{event.slug}/book/", {"entry": event.first_entry.pk, "ticket_type": event.first_ticket_type.pk}
        ).status_code
        == 302
    )
    assert not Booking.objects.exists()  # a visitor is sent to sign in
    events.force_login(member)

    answer = events.post(
        f"/e/{event.slug}/book/",
        {"entry": event.first_entry.pk, "ticket_type": event.first_ticket_type.pk, "quantity": 2},
    )

    assert answer.status_code == 302
    assert answer["Location"] == "/tickets/"
    tickets = events.get("/tickets/")
    codes = list(Ticket.objects.values_list("code", flat=True))
    assert len(codes) == 2
    assert all(code in tickets.text for code in codes)
    assert tickets.text.count("<svg") == 2
    booking = Booking.objects.get()
    assert events.post(f"/bookings/{booking.pk}/cancel/").status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_member_has_a_ticket_mailed_from_my_tickets_and_comes_back_to_it(
    events, make_event, member, eager_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    event = make_event()
    code = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk).tickets.get().code
    events.force_login(member)
    page = events.get("/tickets/").text
    assert f'action="/tickets/{code}/email/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        sent = events.post(f"/tickets/{code}/email/")
    assert (sent.status_code, sent["Location"]) == (302, "/tickets/")
    assert "on its way to alice@example.org" in events.get("/tickets/").text
    assert [m.subject for m in mailoutbox] == [f"Your ticket: {event.title}"]
    assert code in mailoutbox[0].body
    assert events.post("/tickets/NOSUCHCODE/email/").status_code == 404


def test_booking_refusals_are_told_and_keep_nothing(events, make_event, member):
    event = make_event(places=1)
    events.force_login(member)
    bad = events.post(f"/e/{event.slug}/book/", {"entry": "x", "ticket_type": event.first_ticket_type.pk})
    assert bad.status_code == 400
    too_many = events.post(
        f"/e/{event.slug}/book/",
        {"entry": event.first_entry.pk, "ticket_type": event.first_ticket_type.pk, "quantity": 2},
        follow=True,
    )
    assert "Only 1 place(s) left" in too_many.text
    other = make_event("Other")
    assert (
        events.post(
            f"/e/{event.slug}/book/", {"entry": other.first_entry.pk, "ticket_type": other.first_ticket_type.pk}
        ).status_code
        == 404
    )
    assert not Booking.objects.exists()


def test_another_members_booking_cannot_be_cancelled(events, make_event, member, django_user_model):
    event = make_event()
    booking = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk)
    events.force_login(django_user_model.objects.create_user("bob", "bob@example.org", "pass-phrase-long"))
    assert events.post(f"/bookings/{booking.pk}/cancel/").status_code == 404
    assert booking.tickets.get().code not in events.get("/tickets/").text


def test_check_in_page_for_staff_only(events, make_event, member, steward):
    event = make_event()
    code = services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk).tickets.get().code
    assert events.get("/check-in/")["Location"].startswith("/auth/login")  # visitors sign in first
    events.force_login(member)
    assert events.get("/check-in/").status_code == 403  # members are told, not sent round in circles
    assert events.post("/check-in/", {"code": code}).status_code == 403
    assert Ticket.objects.get(code=code).checked_in_at is None
    events.force_login(steward)

    first = events.post("/check-in/", {"code": code})
    second = events.post("/check-in/", {"code": code}, headers={"Accept": "application/json"})
    unknown = events.post("/check-in/", {"code": "nope"}, headers={"Accept": "application/json"})

    assert "Valid" in first.text
    assert second.json()["outcome"] == "used"
    assert second.json()["checked_in_by"] == "steward"
    assert unknown.json() == {"outcome": "unknown"}


def test_widgets_may_be_framed_and_nothing_else(events, make_event):
    make_event("Seed swap", starts_in=2)
    for path in ("/widgets/upcoming/", "/widgets/month/"):
        widget = events.get(path)
        assert widget.status_code == 200
        assert "X-Frame-Options" not in widget
        assert "frame-ancestors *" in widget["Content-Security-Policy"]
    assert "Seed swap" in events.get("/widgets/upcoming/").text
    for path in ("/", "/month/", "/widgets/", "/e/seed-swap/"):
        page = events.get(path)
        assert page["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    script = events.get("/widgets/embed.js")
    assert script["Content-Type"].startswith("text/javascript")
    assert "http://events.localhost" in script.text
    assert "/widgets/upcoming/" in events.get("/widgets/").text


def test_a_visitors_page_is_kept_until_something_changes(
    events, make_event, member, django_assert_num_queries, django_capture_on_commit_callbacks
):
    event = make_event("Seed swap", places=5)
    events.get(f"/e/{event.slug}/")
    with django_assert_num_queries(0):
        assert "5 places left" in events.get(f"/e/{event.slug}/").text

    with django_capture_on_commit_callbacks(execute=True):
        services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk)

    assert "4 places left" in events.get(f"/e/{event.slug}/").text
    events.force_login(member)  # members get the page built for them: it shows their own header
    with CaptureQueriesContext(connection) as queries:
        assert "4 places left" in events.get(f"/e/{event.slug}/").text
    assert len(queries) > 0


def test_the_fragments_show_the_next_dates_and_this_month(make_event):
    make_event("Seed swap", starts_in=1)
    upcoming = render_fragment("events.upcoming", FragmentContext())
    month = render_fragment("events.month", FragmentContext())
    assert "Seed swap" in upcoming
    assert "http://events.localhost" in upcoming
    assert "<table" in month
