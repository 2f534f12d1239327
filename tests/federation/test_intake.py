"""
Inbox rows written in groups: what arrives while a row is being written shares the next INSERT,
each request learns what became of its own row, and a row the database refuses fails alone.
"""

import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from apps.federation.inbound import intake
from apps.federation.models import APActivity

pytestmark = pytest.mark.django_db(transaction=True)


def values(number, payload=None):
    activity_id = f"http://peer.test/activities/{number}"
    return (activity_id, "in", "Like", "http://peer.test/users/ana", "", payload or f'{{"id": "{activity_id}"}}')


class HeldFirstWrite:
    """Hold the first INSERT until the test lets it go, recording each INSERT's number of rows."""

    def __init__(self, monkeypatch):
        self.sizes, self.started, self.release = [], threading.Event(), threading.Event()
        self.real = intake._insert
        monkeypatch.setattr(intake, "_insert", self.insert)

    def insert(self, rows):
        self.sizes.append(len(rows))
        if len(self.sizes) == 1:
            self.started.set()
            assert self.release.wait(10)
        return self.real(rows)


def in_threads(calls):
    """Run each call in a thread of its own (its own connection, as gunicorn's threads); return outcomes."""
    outcomes = {}

    def run(key, call):
        try:
            outcomes[key] = call()
        except Exception as exc:  # noqa: BLE001 (the outcome under test)
            outcomes[key] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    return threads, outcomes


def wait_for_queue(length):
    deadline = time.monotonic() + 10
    while len(intake._Queue.rows) < length:
        assert time.monotonic() < deadline, "the rows did not queue"
        time.sleep(0.005)


def test_an_idle_inbox_writes_a_row_at_once_and_a_replay_adds_nothing():
    assert intake.write(values(1)) is True
    assert intake.write(values(1)) is False
    assert APActivity.objects.get().activity_id == values(1)[0]


def test_rows_arriving_during_a_write_share_the_next_insert(monkeypatch):
    held = HeldFirstWrite(monkeypatch)
    first, outcomes = in_threads({0: lambda: intake.write(values(0))})
    assert held.started.wait(10)
    rest, rest_outcomes = in_threads({n: (lambda n=n: intake.write(values(n))) for n in range(1, 5)})
    wait_for_queue(4)

    held.release.set()
    for thread in first + rest:
        thread.join(10)

    assert held.sizes == [1, 4]
    assert outcomes == {0: True}
    assert rest_outcomes == dict.fromkeys(range(1, 5), True)
    assert APActivity.objects.count() == 5
    assert not intake._Queue.writing
    assert not intake._Queue.rows


def test_the_same_activity_twice_in_a_group_is_added_once(monkeypatch):
    held = HeldFirstWrite(monkeypatch)
    first, _ = in_threads({"first": lambda: intake.write(values(0))})
    assert held.started.wait(10)
    twins, outcomes = in_threads({"a": lambda: intake.write(values(7)), "b": lambda: intake.write(values(7))})
    wait_for_queue(2)

    held.release.set()
    for thread in first + twins:
        thread.join(10)

    assert sorted(outcomes.values()) == [False, True]
    assert APActivity.objects.filter(activity_id=values(7)[0]).count() == 1


def test_a_row_the_database_refuses_fails_alone_and_the_rest_of_its_group_is_written(monkeypatch):
    held = HeldFirstWrite(monkeypatch)
    first, _ = in_threads({0: lambda: intake.write(values(0))})
    assert held.started.wait(10)
    calls = {n: (lambda n=n: intake.write(values(n))) for n in (1, 2)}
    calls["bad"] = lambda: intake.write(values(3, payload="not JSON"))
    group, outcomes = in_threads(calls)
    wait_for_queue(3)

    held.release.set()
    for thread in first + group:
        thread.join(10)

    assert held.sizes[:2] == [1, 3]  # then each of the three again, alone
    assert isinstance(outcomes.pop("bad"), DatabaseError)
    assert outcomes == {1: True, 2: True}
    assert set(APActivity.objects.values_list("activity_id", flat=True)) == {values(n)[0] for n in (0, 1, 2)}


def test_a_failure_of_the_writer_itself_reaches_every_request_of_its_group(monkeypatch):
    def broken(rows):
        raise RuntimeError("the writer broke")

    monkeypatch.setattr(intake, "_insert", broken)

    with pytest.raises(RuntimeError):
        intake.write(values(1))
    assert not intake._Queue.writing  # the next row leads again


def test_inside_a_transaction_a_refused_row_leaves_the_transaction_usable():
    with transaction.atomic():
        with pytest.raises(DatabaseError):
            intake.write(values(1, payload="not JSON"))
        assert intake.write(values(2)) is True
    assert list(APActivity.objects.values_list("activity_id", flat=True)) == [values(2)[0]]
