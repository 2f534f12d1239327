"""The PostgreSQL backend's health check: a kept connection's socket is polled instead of a SELECT 1."""

import select

import pytest
from django.db import close_old_connections, connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql(reason="this is its engine; SQLite has no server to end a connection"),
]


@pytest.fixture
def postgresql():
    connection.ensure_connection()
    yield connection
    connection.close()  # the tests end or close it: the teardown's flush starts afresh


def end_from_elsewhere(db):
    """End ``db``'s server session from another one, as a restart or failover does; wait for the word."""
    doomed = db.connection.info.backend_pid
    other = db.copy()
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [doomed])
    other.close()
    poller = select.poll()
    poller.register(db.connection.fileno(), select.POLLIN)
    assert poller.poll(2000), "the server did not end the session"
    return doomed


def test_the_settings_use_the_backend_with_health_checks(postgresql):
    assert postgresql.settings_dict["ENGINE"] == "apps.core.postgresql"
    assert postgresql.health_check_enabled


def test_an_idle_connection_is_usable_without_a_query(postgresql, monkeypatch):
    def no_query(*args, **kwargs):
        raise AssertionError("the health check sent a query")

    monkeypatch.setattr(postgresql.connection, "execute", no_query)

    assert postgresql.is_usable()


def test_a_connection_the_server_ended_is_not_usable(postgresql):
    end_from_elsewhere(postgresql)

    assert not postgresql.is_usable()


def test_a_closed_connection_is_not_usable(postgresql):
    postgresql.connection.close()

    assert not postgresql.is_usable()


def test_the_next_request_works_on_a_new_connection_after_the_server_ended_the_old(postgresql):
    doomed = end_from_elsewhere(postgresql)

    close_old_connections()  # a request starts
    with postgresql.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()

    assert pid != doomed
