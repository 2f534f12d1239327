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
def dripping_server(prefix, drip):
    """
    Serve on loopback: send ``prefix`` to each connection, then ``drip`` every ``DRIP_EVERY``
    seconds (nothing at all when ``drip`` is empty), never finishing the answer.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stopped = threading.Event()

    def answer(connection):
        with connection:
            give_up = time.monotonic() + GIVE_UP
            try:
                connection.sendall(prefix)
                while not stopped.wait(DRIP_EVERY) and time.monotonic() < give_up:
                    connection.sendall(drip)
            except OSError:  # the client hung up: what the deadline is for
                return

    def accept():
        while not stopped.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopped.set()
        acceptor.join()
        listener.close()
