"""
One actor's inbound activities are handled in the order they came; different actors' side by side.

Order matters within an actor's own activities (a Follow before its Undo, a Create before its
Delete) and nowhere else: ActivityPub promises no order between actors, whose servers deliver
independently. So while a worker handles an activity it holds its actor, with a PostgreSQL
transaction-level advisory lock keyed on the actor's URL, released at commit. A batch that finds
an actor held by another worker passes over that actor's activities for the rest of its pass (the
holder, walking the same id order, comes to them after the one it holds); other actors' activities
it handles meanwhile. Several ``inbox`` workers therefore share a backlog without reordering any
actor's activities. When the holder is not a batch but one activity's own task (a retry, a row
waiting to fetch what it needs), the rows passed over wait for the next batch: the next kick, or
the minutely sweep.

SQLite takes one writer at a time, and development runs tasks in the request: nothing to hold there.
"""

import hashlib

from django.db import connection


def _key(actor_url):
    """The actor's advisory lock key: 64 bits of its URL's hash (PostgreSQL's lock keys are bigints)."""
    return int.from_bytes(hashlib.blake2b(actor_url.encode(), digest_size=8).digest(), "big", signed=True)


def hold(actor_url, *, wait):
    """
    Hold ``actor_url`` until the current transaction ends; return False when another worker holds
    it and ``wait`` is False. Must run inside a transaction.
    """
    if connection.vendor != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [_key(actor_url)])
        held = cursor.fetchone()[0]
    return held is not False  # pg_advisory_xact_lock returns void (None) once it holds the lock
