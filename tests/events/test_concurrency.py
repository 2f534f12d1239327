import threading

import pytest
from celery.result import allow_join_result
from django.db import connection

from apps.core.errors import RoseAshError
from apps.events import services
from apps.events.models import Booking, Ticket


@pytest.mark.postgresql(reason="bookings in parallel transactions; SQLite lets one writer in at a time")
@pytest.mark.django_db(transaction=True)
def test_twelve_members_booking_five_places_at_once_get_exactly_five(make_event, django_user_model):
    event = make_event(places=5)
    members = [
        django_user_model.objects.create_user(f"m{n}", f"m{n}@example.org", "pass-phrase-long") for n in range(12)
    ]
    start = threading.Barrier(len(members))
    outcomes = []

    def book(member):
        try:
            start.wait(timeout=10)
            services.book_free(member, event.first_entry.pk, event.first_ticket_type.pk)
            outcomes.append("booked")
        except RoseAshError as error:
            outcomes.append(error.code)
        except Exception as error:  # noqa: BLE001 - the main thread reports it
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(member,)) for member in members]
    with allow_join_result():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(outcomes) == ["booked"] * 5 + ["sold_out"] * 7
    assert Ticket.objects.filter(booking__entry=event.first_entry).count() == 5
    assert Booking.objects.filter(status=Booking.Status.CONFIRMED).count() == 5
