import datetime
import zoneinfo

import pytest

from apps.core.errors import RoseAshError
from apps.events import services
from apps.events.dates.recurrence import occurrences
from apps.events.models import Entry
from apps.events.tasks import extend_series_task
from roseash.celery import app as celery_app

LONDON = zoneinfo.ZoneInfo("Europe/London")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)


def test_a_weekly_rule_keeps_the_wall_time_across_the_clocks_going_back():
    # Europe/London leaves summer time on Sunday 25 October 2026.
    starts = occurrences(
        datetime.datetime(2026, 10, 15, 19, 0), "FREQ=WEEKLY;BYDAY=TH;COUNT=3", "Europe/London", horizon_from=NOW
    )

    assert [start.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") for start in starts] == [
        "2026-10-15 19:00",
        "2026-10-22 19:00",
        "2026-10-29 19:00",
    ]
    assert [start.astimezone(datetime.UTC).hour for start in starts] == [18, 18, 19]


def test_until_in_utc_and_a_berlin_spring_change():
    # Europe/Berlin starts summer time on Sunday 28 March 2027.
    starts = occurrences(
        datetime.datetime(2027, 3, 18, 20, 0, tzinfo=BERLIN),
        "FREQ=WEEKLY;BYDAY=TH;UNTIL=20270401T190000Z",
        "Europe/Berlin",
        horizon_from=datetime.datetime(2027, 3, 1, tzinfo=datetime.UTC),
    )
    assert [start.astimezone(BERLIN).strftime("%d %H:%M") for start in starts] == ["18 20:00", "25 20:00", "01 20:00"]
    assert [start.utcoffset() for start in starts][-1] == datetime.timedelta(hours=2)


def test_an_endless_rule_is_cut_at_the_horizon():
    starts = occurrences(datetime.datetime(2026, 10, 1, 9), "FREQ=DAILY", "Europe/London", horizon_from=NOW)
    assert 360 < len(starts) <= 367


def test_an_unreadable_rule_is_refused(calendar, db):
    event = services.create_event(calendar=calendar, title="Bad rule")
    with pytest.raises(RoseAshError) as refused:
        services.set_series(
            event,
            first_start=datetime.datetime(2030, 1, 3, 19),
            duration=datetime.timedelta(hours=2),
            rule="FREQ=SOMETIMES",
        )
    assert refused.value.code == "rule_invalid"
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_series_makes_its_entries_and_keeps_overrides_on_a_new_sync(calendar):
    event = services.create_event(calendar=calendar, title="Repair café")
    series = services.set_series(
        event,
        first_start=datetime.datetime(2030, 1, 3, 19),
        duration=datetime.timedelta(hours=2),
        rule="FREQ=WEEKLY;BYDAY=TH;COUNT=4",
    )
    entries = list(event.entries.order_by("starts_at"))
    assert [entry.local_start.strftime("%d %H:%M") for entry in entries] == [
        "03 19:00",
        "10 19:00",
        "17 19:00",
        "24 19:00",
    ]
    assert all(entry.recurrence_id == entry.starts_at for entry in entries)
    assert entries[0].ends_at - entries[0].starts_at == series.duration

    services.cancel_entry(event, entries[1].pk)
    moved = services.move_entry(
        event, entries[2].pk, datetime.datetime(2030, 1, 18, 18), datetime.datetime(2030, 1, 18, 20)
    )
    assert services.sync_series(event.pk) == 0

    kept = {entry.pk: entry for entry in event.entries.all()}
    assert len(kept) == 4
    assert kept[entries[1].pk].status == Entry.Status.CANCELLED
    assert kept[moved.pk].moved
    assert kept[moved.pk].local_start.strftime("%d %H:%M") == "18 18:00"
    assert kept[moved.pk].recurrence_id == entries[2].recurrence_id


@pytest.mark.django_db
def test_the_daily_task_gives_an_endless_series_its_next_dates(calendar, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # run here even with a broker configured
    event = services.create_event(calendar=calendar, title="Choir")
    services.set_series(
        event, first_start=datetime.datetime(2030, 1, 7, 19), duration=datetime.timedelta(hours=2), rule="FREQ=WEEKLY"
    )
    made = event.entries.count()
    assert 52 <= made <= 54  # a year from the first start
    last = event.entries.order_by("starts_at").last()
    event.entries.filter(pk=last.pk).delete()  # as if the horizon had not reached it yet

    assert extend_series_task.delay().get() == 1
    assert event.entries.count() == made
