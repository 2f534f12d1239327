"""
A deadline for an outbound request that no slow peer can stretch.

Socket timeouts bound each read, not their sum: a peer that sends its TLS handshake, status line,
headers or body a byte at a time never lets one read time out, and holds the thread (in the inbox,
a web worker) for as long as it likes. Setting each read's timeout to the time remaining would need
a hook before every read, and the reads that matter happen where we have none: inside OpenSSL's
handshake and http.client's line reading. So a watchdog thread keeps a duplicate of every socket the
exchange opens and, when the deadline passes, shuts the connection down. ``shutdown`` acts on the
connection, not on one descriptor, so whatever read or write the requesting thread is blocked in
returns at once with an end of stream or an error, wherever it is. The duplicate stays open until
the exchange ends, so the watchdog never shuts down a descriptor number the system has since handed
to another connection, and it survives TLS wrapping (which detaches the socket it wraps).

Connecting is bounded by the caller instead (each attempt's timeout is ``remaining()``): what
``shutdown`` does to a socket still connecting differs between systems. Name resolution is not
bounded here: ``getaddrinfo`` cannot be interrupted, and the system resolver's own timeouts apply.
"""

import contextlib
import socket
import threading
import time

__all__ = ["Deadline", "Watchdog"]


class Deadline:
    """The moment a whole request, redirects included, must be over by."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self):
        """Return the seconds left (negative once the deadline has passed)."""
        return self.at - time.monotonic()

    @property
    def passed(self):
        return self.remaining() <= 0


class Watchdog:
    """
    Shut down the sockets given to ``watch`` when ``deadline`` passes; a context manager around one
    exchange, so its thread and duplicates last no longer than the exchange.
    """

    def __init__(self, deadline):
        self.deadline = deadline
        self.fired = False
        self._sockets = []
        self._lock = threading.Lock()  # ``watch`` runs in the requesting thread, ``_fire`` in the timer's
        self._timer = threading.Timer(max(0.0, deadline.remaining()), self._fire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()
        self._timer.join()  # once it has ended, nothing can shut down a descriptor we close
        for duplicate in self._sockets:
            duplicate.close()

    @property
    def expired(self):
        """Whether the deadline cut the exchange short (or passed before it finished)."""
        return self.fired or self.deadline.passed

    def remaining(self):
        return self.deadline.remaining()

    def watch(self, sock):
        """Shut ``sock`` down at the deadline, or at once if it has passed."""
        # A descriptor of its own on the same connection; fromfd, as a TLS socket cannot dup() itself.
        duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
        with self._lock:
            self._sockets.append(duplicate)
            if self.fired:
                _shut_down(duplicate)

    def _fire(self):
        with self._lock:
            self.fired = True
            for duplicate in self._sockets:
                _shut_down(duplicate)


def _shut_down(sock):
    with contextlib.suppress(OSError):  # already disconnected: nothing left to interrupt
        sock.shutdown(socket.SHUT_RDWR)
