"""
A peer's ``published`` and ``updated`` are clamped to the time we received them: a post dated in
the future would otherwise stay at the top of every timeline ordered by it. Times before 1970 are
clamped to 1970, ``updated`` to no earlier than ``published``; unreadable times are the time received.
"""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from apps.federation import hub
from apps.federation.models import Note

from .hubdata import note_by

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "followed")]


def test_a_post_from_the_year_3000_is_dated_when_received_and_does_not_pin_the_timeline(ana, send, member):
    before = timezone.now()
    send(ana.activity("Create", ana.note("<p>from the future</p>", published="3000-01-01T00:00:00Z")))
    after = timezone.now()
    later = note_by(member, "written after it arrived")

    stored = Note.objects.get(author_url=ana.id)
    assert before <= stored.published <= after
    assert [note.pk for note in hub.home_timeline(member).items] == [later.pk, stored.pk]


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("1899-12-31T23:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00+01:00", datetime(1970, 1, 1, tzinfo=UTC)),
    ],
)
def test_a_past_time_is_kept_and_an_absurd_one_is_clamped_to_1970(ana, send, published, expected):
    send(ana.activity("Create", ana.note(published=published)))

    assert Note.objects.get().published == expected


@pytest.mark.parametrize("published", ["2026-13-45T00:00:00Z", "yesterday", "2024-05-01T10:00:00", 1714557600, None])
def test_an_unreadable_or_zoneless_time_is_the_time_received(ana, send, published):
    before = timezone.now()
    row = send(ana.activity("Create", ana.note(published=published)))

    assert row.state == "done"
    assert before <= Note.objects.get().published <= timezone.now()


def test_an_update_dated_in_the_future_is_dated_when_received(ana, send):
    note = ana.note(published="2024-05-01T10:00:00Z")
    send(ana.activity("Create", note))

    before = timezone.now()
    send(ana.activity("Update", {**note, "content": "<p>edited</p>", "updated": "3000-01-01T00:00:00Z"}))

    stored = Note.objects.get()
    assert (stored.content, stored.published) == ("<p>edited</p>", datetime(2024, 5, 1, 10, tzinfo=UTC))
    assert before <= stored.updated <= timezone.now()


def test_an_update_dated_before_its_post_is_dated_as_the_post(ana, send):
    note = ana.note(published="2024-05-01T10:00:00Z")
    send(ana.activity("Create", note))

    send(ana.activity("Update", {**note, "updated": "2020-01-01T00:00:00Z"}))

    assert Note.objects.get().updated == datetime(2024, 5, 1, 10, tzinfo=UTC)
