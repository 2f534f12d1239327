"""Those holding places on a date staff cancel or move are told by mail, unless they asked for none."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib import admin

from apps.account import services as account
from apps.events import services
from apps.events.admin import EventAdmin
from apps.events.models import Booking, Entry, Event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", "a-long-pass-phrase")


@pytest.fixture
def holders(event, member, bob):
    """Alice twice (two bookings, one mail), a buyer who paid as a visitor, and Bob, who wants no such mail."""
    entry, kind = event.first_entry.pk, event.first_ticket_type.pk
    services.book_free(member, entry, kind, 1)
    services.book_free(member, entry, kind, 2)
    services.book_free(bob, entry, kind, 1)
    Booking.objects.create(
        entry=event.first_entry, ticket_type=event.first_ticket_type, email="buyer@example.org", order_reference="O-1"
    )
    account.update_preferences(bob, notify_orders=False)
    return event


def sent(mailoutbox):
    return sorted((mail.to[0], mail.subject.split(":")[0]) for mail in mailoutbox)


def test_a_cancelled_date_is_told_once_to_each_holder_who_wants_it(
    holders, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_entry(holders, holders.first_entry.pk)

    assert sent(mailoutbox) == [("alice@example.org", "Cancelled"), ("buyer@example.org", "Cancelled")]
    alice = next(mail for mail in mailoutbox if mail.to == ["alice@example.org"])
    assert "Seed swap on" in alice.body
    assert "is cancelled" in alice.body
    assert alice.body.count("\N{MULTIPLICATION SIGN} Entry") == 2  # both her bookings, in one mail
    assert holders.get_absolute_url() in alice.alternatives[0][0]


def test_a_moved_date_is_told_with_its_new_time(holders, mailoutbox, django_capture_on_commit_callbacks):
    entry = holders.first_entry
    later = entry.starts_at + datetime.timedelta(days=1, hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_entry(holders, entry.pk, later, later + datetime.timedelta(hours=2))

    new_time = later.astimezone(holders.zone)
    assert sent(mailoutbox) == [
        ("alice@example.org", "New time for Seed swap"),
        ("buyer@example.org", "New time for Seed swap"),
    ]
    assert f"{new_time:%H:%M}" in mailoutbox[0].body
    assert "Your tickets stay valid for the new time." in mailoutbox[0].body


def test_a_cancelled_event_tells_the_holders_of_its_coming_dates_only(
    make_event, member, mailoutbox, django_capture_on_commit_callbacks
):
    event = make_event()
    past_start = event.first_entry.starts_at - datetime.timedelta(days=30)
    past = services.add_entry(event, past_start, past_start + datetime.timedelta(hours=2))
    Booking.objects.create(entry=past, ticket_type=event.first_ticket_type, member=member)
    services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_event(event.pk)

    assert len(mailoutbox) == 1
    assert event.first_entry.local_start.strftime("%d %b %Y") in mailoutbox[0].subject


def test_cancelled_bookings_are_told_nothing(holders, mailoutbox, django_capture_on_commit_callbacks):
    Booking.objects.update(status=Booking.Status.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_entry(holders, holders.first_entry.pk)
    assert mailoutbox == []


def test_dates_staff_cancel_or_move_in_the_admins_form_are_told(
    rf, steward, holders, mailoutbox, django_capture_on_commit_callbacks
):
    entry = holders.first_entry
    other = services.add_entry(
        holders, entry.starts_at + datetime.timedelta(days=7), entry.ends_at + datetime.timedelta(days=7)
    )
    services.book_free(steward, other.pk, holders.first_ticket_type.pk)
    entry.status = Entry.Status.CANCELLED
    other.starts_at += datetime.timedelta(hours=1)
    entry.save()  # what the dates inline's formset.save() does, listing them as changed
    other.save()
    dates = SimpleNamespace(
        model=Entry, changed_objects=[(entry, ["status"]), (other, ["starts_at"])], save=lambda: None
    )
    request = rf.post("/admin/events/event/")
    request.user = steward

    with django_capture_on_commit_callbacks(execute=True):
        EventAdmin(Event, admin.site).save_related(
            request, SimpleNamespace(instance=holders, save_m2m=lambda: None), [dates], True
        )

    assert sent(mailoutbox) == [
        ("alice@example.org", "Cancelled"),
        ("buyer@example.org", "Cancelled"),
        ("steward@example.org", "New time for Seed swap"),
    ]
