"""The iCal feeds parse back (with icalendar) to the same dates the site shows."""

import datetime
import zoneinfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from apps.events import page_cache, services
from apps.events.models import Entry

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def series_event(calendar, venue):
    event = services.create_event(calendar=calendar, title="Repair café", venue=venue, summary="Bring it, fix it.")
    # Across the end of summer time (25 October 2026 in London): 19:00 on the wall clock throughout.
    services.set_series(
        event,
        first_start=datetime.datetime(2026, 10, 15, 19, 0),
        duration=datetime.timedelta(hours=2),
        rule="FREQ=WEEKLY;BYDAY=TH;COUNT=4",
    )
    entries = list(event.entries.order_by("starts_at"))
    services.cancel_entry(event, entries[1].pk)  # 22 October
    services.move_entry(event, entries[2].pk, datetime.datetime(2026, 10, 30, 18), datetime.datetime(2026, 10, 30, 20))
    services.publish_event(event.pk)
    return event


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def expand(cal):
    """Return ``{start: status}`` the way a calendar app reads the feed: the rule, less EXDATEs, with overrides."""
    dates = {}
    overrides = {}
    for vevent in cal.walk("VEVENT"):
        if "RRULE" in vevent:
            start = vevent.decoded("DTSTART")
            rule = rrulestr(vevent["RRULE"].to_ical().decode(), dtstart=start.replace(tzinfo=None))
            excluded = set()
            exdates = vevent.get("EXDATE")
            for group in exdates if isinstance(exdates, list) else [exdates] if exdates else []:
                excluded |= {each.dt for each in group.dts}
            for each in rule:
                moment = each.replace(tzinfo=start.tzinfo)
                if moment not in excluded:
                    dates[moment] = str(vevent["STATUS"])
        elif "RECURRENCE-ID" in vevent:
            overrides[vevent.decoded("RECURRENCE-ID")] = (vevent.decoded("DTSTART"), str(vevent["STATUS"]))
        else:
            dates[vevent.decoded("DTSTART")] = str(vevent["STATUS"])
    cancelled = []
    for original, (start, status) in overrides.items():
        dates.pop(original, None)
        if status == "CANCELLED":
            cancelled.append(start)
        else:
            dates[start] = status
    return dates, cancelled


def test_an_events_feed_has_the_series_with_its_cancelled_and_moved_dates(site_client, series_event):
    cal = parse(site_client("events").get(f"/e/{series_event.slug}/feed.ics"))

    dates, cancelled = expand(cal)
    local = sorted(start.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") for start in dates)
    assert local == ["2026-10-15 19:00", "2026-10-30 18:00", "2026-11-05 19:00"]
    assert [start.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") for start in cancelled] == ["2026-10-22 19:00"]
    # The same as the site's own entries.
    scheduled = Entry.objects.filter(event=series_event, status=Entry.Status.SCHEDULED)
    assert sorted(dates) == sorted(entry.starts_at for entry in scheduled)
    master = next(vevent for vevent in cal.walk("VEVENT") if "RRULE" in vevent)
    assert master["DTSTART"].params["TZID"] == "Europe/London"
    assert str(master["LOCATION"]).startswith("The Old Mill, 1 Mill Lane")
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]


def test_a_moved_date_appears_once_moved(site_client, series_event):
    cal = parse(site_client("events").get(f"/e/{series_event.slug}/feed.ics"))
    moved = [v for v in cal.walk("VEVENT") if "RECURRENCE-ID" in v and str(v["STATUS"]) == "CONFIRMED"]
    assert len(moved) == 1
    assert moved[0].decoded("RECURRENCE-ID").astimezone(LONDON).strftime("%d %H:%M") == "29 19:00"
    assert moved[0].decoded("DTSTART").astimezone(LONDON).strftime("%d %H:%M") == "30 18:00"


def test_a_calendar_feed_holds_its_public_events_and_a_cancelled_single_date(site_client, series_event, make_event):
    single = make_event("Barn dance")
    services.cancel_entry(single, single.first_entry.pk)
    make_event("Secret draft", publish=False)

    cal = parse(site_client("events").get("/calendars/old-mill/feed.ics"))

    summaries = {str(vevent["SUMMARY"]) for vevent in cal.walk("VEVENT")}
    assert summaries == {"Repair café", "Barn dance"}
    dance = next(vevent for vevent in cal.walk("VEVENT") if str(vevent["SUMMARY"]) == "Barn dance")
    assert str(dance["STATUS"]) == "CANCELLED"
    assert dance.decoded("DTSTART") == single.first_entry.starts_at
    assert str(cal["X-WR-CALNAME"]) == "The Old Mill"


def test_a_cancelled_event_is_cancelled_throughout(site_client, series_event):
    services.cancel_event(series_event.pk)
    cal = parse(site_client("events").get(f"/e/{series_event.slug}/feed.ics"))
    assert {str(vevent["STATUS"]) for vevent in cal.walk("VEVENT")} == {"CANCELLED"}


def test_unknown_and_draft_feeds_are_404(site_client, make_event):
    draft = make_event("Draft", publish=False)
    client = site_client("events")
    assert client.get(f"/e/{draft.slug}/feed.ics").status_code == 404
    assert client.get("/e/nothing/feed.ics").status_code == 404
    assert client.get("/calendars/nowhere/feed.ics").status_code == 404


def test_the_feeds_queries_do_not_grow_with_events(site_client, make_event, django_assert_max_num_queries):
    make_event("One")
    client = site_client("events")
    client.get("/feed.ics")  # warm the header caches
    page_cache.new_edition()  # and build the feed anew
    with django_assert_max_num_queries(6):
        client.get("/feed.ics")
    for index in range(8):
        make_event(f"More {index}")
    page_cache.new_edition()
    with django_assert_max_num_queries(6):
        assert len(Calendar.from_ical(client.get("/feed.ics").content).walk("VEVENT")) == 9
