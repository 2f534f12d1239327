"""
A peer that answers a byte at a time, on loopback: what the outbound deadline is for.

Each drip comes faster than any socket timeout, so only a deadline on the whole exchange can end
it. The server stops dripping after ``GIVE_UP`` seconds: a client without a working deadline then
fails its test's elapsed-time assertion instead of hanging the suite.
"""

import socket
import threading
import time
from contextlib import contextmanager

DRIP_EVERY = 0.05
GIVE_UP = 5


@contextmanager
def loopback_server(answer):
    """
    Accept connections on loopback until the block ends, each answered by ``answer(connection,
    stopped)`` in a thread of its own (``stopped`` is set when the block ends). Yield ``(port,
    accepted)``, ``accepted`` listing the connections in the order they came.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stopped = threading.Event()
    accepted = []

    def answer_within(connection):
        with connection:
            try:
                answer(connection, stopped)
            except OSError:  # the client hung up: what the deadline is for
                return

    def accept():
        while not stopped.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            accepted.append(connection)
            threading.Thread(target=answer_within, args=(connection,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stopped.set()
        acceptor.join()
        listener.close()


def drip_until_stopped(connection, stopped, drip):
    """Send ``drip`` every ``DRIP_EVERY`` seconds until the server stops or gives up."""
    give_up = time.monotonic() + GIVE_UP
    while not stopped.wait(DRIP_EVERY) and time.monotonic() < give_up:
        connection.sendall(drip)


@contextmanager
def dripping_server(prefix, drip):
    """
    Serve on loopback: send ``prefix`` to each connection, then ``drip`` every ``DRIP_EVERY``
    seconds (nothing at all when ``drip`` is empty), never finishing the answer. Yield the port.
    """

    def answer(connection, stopped):
        connection.sendall(prefix)
        drip_until_stopped(connection, stopped, drip)

    with loopback_server(answer) as (port, _accepted):
        yield port
