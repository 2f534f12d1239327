"""
Django's PostgreSQL backend, but a persistent connection's health is read from its socket.

With ``CONN_HEALTH_CHECKS`` Django pings a kept connection with ``SELECT 1`` before each request's
first query: a round trip and a query for PostgreSQL on every request, which for an inbox POST (one
INSERT) is a third of its cost. Yet a connection between requests is idle: no query in flight, no
LISTEN. The server writes to it unasked only to end it (the FATAL of a restart, a failover,
``pg_terminate_backend`` or ``idle_session_timeout``), after which the socket reads as closed. So
anything to read means the connection is done with, and polling the socket, with no wait, tells
what ``SELECT 1`` would, in microseconds. A connection that cannot be polled is not usable either.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        try:
            poller = select.poll()
            poller.register(self.connection.fileno(), select.POLLIN | select.POLLPRI)
            return not poller.poll(0)
        except (OSError, ValueError):  # a closed or invalid socket
            return False
