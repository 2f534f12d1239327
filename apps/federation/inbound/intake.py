"""
Writing accepted inbox activities: requests that arrive together share one INSERT and one commit.

Each inbox POST must have its row committed before it answers 202, and alone that is a round trip
and a commit per activity: on a busy inbox the database's commit and the client's wait for it cost
more than everything else the request does. So the threads of a web process write in groups, as
databases do with their own commits. A thread with a row to write joins the queue; if no thread of
the process is writing it leads, taking every row queued (its own among them) into one multi-row
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on its own connection, then passes the lead to
the first row queued meanwhile and wakes the rows it wrote. Before taking the queue a leader yields
the interpreter once: on a busy process the threads about to queue their rows get to join this
group rather than the next (fewer INSERTs, and less CPU per row in the web process as in the
database); on an idle one nothing else runs and the row is written at once. No row waits for a
timer, and every request still answers only once its own row is committed.

A group the database refuses (a value it cannot hold, rare since ``inbox.parse`` refused most) is
written again row by row, so that only the row at fault fails. Inside a transaction (the caller's
``atomic``, and tests) a row is written alone on that transaction's connection.
"""

import functools
import threading
import time

from django.db import DatabaseError, connection, transaction

from ..models import APActivity

# The columns of an inbound row that differ from row to row; the database fills in the others with
# their defaults (``db_default``).
COLUMNS = ("activity_id", "direction", "type", "actor_url", "object_id", "payload")
MAX_GROUP = 64  # rows in one INSERT; a longer queue is written by the next leader


class _Row:
    """One request's row, and what became of it."""

    __slots__ = ("activity_id", "error", "inserted", "leads", "values", "woken")

    def __init__(self, values):
        self.values = values
        self.activity_id = values[0]
        self.inserted = None  # True or False once written
        self.error = None  # or the exception that kept it from being written
        self.leads = False
        self.woken = None  # for a row that waits: a lock held until the row is written or leads

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.inserted


class _Queue:
    """The rows of this process waiting to be written, and whether a thread is writing."""

    lock = threading.Lock()
    rows = []
    writing = False


@functools.cache
def _insert_sql(vendor, count):
    """Return the INSERT of ``count`` inbound rows (built once per process and group size)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(APActivity._meta.get_field(name).column) for name in COLUMNS)
    row = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    unique = quote(APActivity._meta.get_field("activity_id").column)
    return (  # names from the model's metadata, values as parameters
        f"INSERT INTO {quote(APActivity._meta.db_table)} ({columns}) VALUES {', '.join([row] * count)}"  # noqa: S608
        f" ON CONFLICT ({unique}) DO NOTHING RETURNING {unique}"
    )


def write(values):
    """
    Write one inbound row (``values`` in the order of ``COLUMNS``), committed when this returns.

    Return True when the row was added, False when a row with its activity id was there already;
    raise the ``DatabaseError`` the row met.
    """
    if connection.in_atomic_block:
        with transaction.atomic():  # a savepoint: a refused row leaves the caller's transaction usable
            return values[0] in _insert([values])
    row = _Row(values)
    with _Queue.lock:
        _Queue.rows.append(row)
        row.leads = not _Queue.writing
        if not row.leads:
            row.woken = threading.Lock()
            row.woken.acquire()
        _Queue.writing = True
    if not row.leads:
        row.woken.acquire()  # released once, by the leader that wrote the row or handed it the lead
        row.woken = None
    if row.leads:
        _lead()
    return row.outcome()


def _lead():
    """Write what is queued (this thread's row among it), then hand the lead on or give it up."""
    time.sleep(0)  # let the threads about to queue a row join this group (see above)
    with _Queue.lock:
        group, _Queue.rows[:] = _Queue.rows[:MAX_GROUP], _Queue.rows[MAX_GROUP:]
    try:
        _write_group(group)
    except Exception as exc:  # noqa: BLE001 (not the database's refusal: each row not written raises it)
        for row in group:
            if row.inserted is None and row.error is None:
                row.error = exc
    finally:
        with _Queue.lock:
            if _Queue.rows:
                _Queue.rows[0].leads = True
                _Queue.rows[0].woken.release()
            else:
                _Queue.writing = False
        for row in group:
            if row.woken is not None:
                row.woken.release()


def _write_group(group):
    """Write ``group`` in one statement; if the database refuses it, each row on its own."""
    try:
        added = _insert([row.values for row in group])
    except DatabaseError as exc:
        if len(group) == 1:
            group[0].error = exc
            return
        for row in group:
            _write_group([row])
        return
    for row in group:  # the same activity twice in a group: the first of them added it
        row.inserted = row.activity_id in added
        added.discard(row.activity_id)


def _insert(rows):
    """Run the INSERT of ``rows``; return the activity ids it added."""
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor, len(rows)), [value for values in rows for value in values])
        return {activity_id for (activity_id,) in cursor.fetchall()}
