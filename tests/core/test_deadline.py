"""
The whole-request deadline, against real servers on loopback that answer a byte at a time.

Each drip comes faster than any socket timeout, so only the deadline can end the exchange. The
servers stop dripping after ``GIVE_UP`` seconds: a client without a working deadline then fails
the elapsed-time assertion instead of hanging the suite.
"""

import os
import socket
import ssl
import threading
import time
from contextlib import contextmanager

import pytest
from werkzeug import Response

from apps.core.outbound import http_client
from apps.core.outbound.deadline import Deadline, Watchdog
from tests.core.certificates import certificate_authority, server_certificate
from tests.dripping import GIVE_UP, drip_until_stopped, dripping_server, loopback_server

DEADLINE = 0.5
SLACK = 0.5  # thread scheduling on a busy machine, not part of what is measured


@contextmanager
def cut_at_the_deadline():
    """Expect ``DeadlineExceeded``, raised when the deadline passes and not much later."""
    started = time.monotonic()
    with pytest.raises(http_client.DeadlineExceeded, match=f"within the {DEADLINE}s deadline"):
        yield
    elapsed = time.monotonic() - started
    assert DEADLINE <= elapsed < DEADLINE + SLACK


OK_HEAD = b"HTTP/1.1 200 OK\r\n"


@pytest.mark.parametrize(
    ("scheme", "prefix", "drip"),
    [
        pytest.param("http", b"HTTP/1.1 200 O", b"K", id="status line"),
        pytest.param("http", OK_HEAD + b"X-Slow: ", b"a", id="headers"),
        pytest.param("http", OK_HEAD + b"Content-Length: 100000\r\n\r\n", b"x", id="body with a length"),
        pytest.param("http", OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n", b"1\r\nx\r\n", id="chunked body"),
        pytest.param("http", OK_HEAD + b"Connection: close\r\n\r\n", b"x", id="body to the end of stream"),
        # A handshake record announcing 16 KiB, sent a byte at a time: the handshake never ends.
        pytest.param("https", b"\x16\x03\x03\x40\x00", b"\x00", id="TLS handshake drip"),
        pytest.param("https", b"", b"", id="TLS handshake never answered"),
    ],
)
def test_a_dripping_answer_is_cut_at_the_deadline(private_allowed, scheme, prefix, drip):
    with dripping_server(prefix, drip) as port, cut_at_the_deadline():
        http_client.get(f"{scheme}://localhost:{port}/", deadline=DEADLINE)


@pytest.fixture
def unaccepting_port():
    """A port whose listener never accepts and whose queue is full: connecting to it hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    queued = []
    while True:  # fill the accept queue; its length past listen(0) differs between systems
        probe = socket.socket()
        probe.settimeout(0.2)
        try:
            probe.connect(address)
        except TimeoutError:
            probe.close()
            break
        queued.append(probe)
    yield address[1]
    for probe in queued:
        probe.close()
    listener.close()


def test_connecting_is_bounded_by_the_deadline_not_the_connect_timeout(private_allowed, unaccepting_port):
    assert http_client.CONNECT_TIMEOUT > DEADLINE + SLACK

    with cut_at_the_deadline():
        http_client.get(f"http://127.0.0.1:{unaccepting_port}/", deadline=DEADLINE)


def test_redirects_share_one_deadline(private_allowed, httpserver):
    def slow_redirect(request):
        time.sleep(DEADLINE * 0.6)
        return Response("", status=302, headers={"Location": f"/{int(request.path[1:]) + 1}"})

    for hop in range(3):
        httpserver.expect_request(f"/{hop}").respond_with_handler(slow_redirect)

    with cut_at_the_deadline():
        http_client.get(httpserver.url_for("/0"), deadline=DEADLINE)

    time.sleep(DEADLINE)  # the single-threaded server finishes the second hop before the next test


def test_an_answer_within_the_deadline_is_whole(private_allowed, httpserver):
    httpserver.expect_request("/").respond_with_data(b"x" * 200_000)

    assert http_client.get(httpserver.url_for("/"), deadline=DEADLINE).content == b"x" * 200_000


def test_an_exchange_leaves_no_descriptor_or_thread_behind(private_allowed, httpserver):
    httpserver.expect_request("/").respond_with_data("ok")
    for _ in range(2):
        http_client.get(httpserver.url_for("/"))  # the first requests set up what later ones reuse
    descriptors, threads = len(os.listdir("/proc/self/fd")), threading.active_count()

    for _ in range(20):
        http_client.get(httpserver.url_for("/"))

    # The pool keeps at most one connection to the server (this server closes each after its
    # answer, and the test server's own sockets close in its thread): a leak would be one a request.
    assert len(os.listdir("/proc/self/fd")) <= descriptors + 2
    assert threading.active_count() == threads


def test_a_socket_watched_after_the_deadline_is_shut_down_at_once():
    ours, theirs = socket.socketpair()
    with ours, theirs, Watchdog(Deadline(0)) as watchdog:
        while not watchdog.fired:
            time.sleep(0.01)
        watchdog.watch(ours)
        ours.settimeout(1)

        assert ours.recv(1) == b""


def keep_alive_server(slow_after, tls=None):
    """
    Serve HTTP/1.1 on loopback (over TLS with the server context ``tls``), keeping each connection
    open: its first ``slow_after`` requests get a whole answer at once, a later one a status line
    dripped byte by byte. Yield ``(port, opened)``, ``opened`` listing the connections accepted.
    """

    def answer(connection, stopped):
        connection.settimeout(GIVE_UP)
        if tls is not None:
            connection = tls.wrap_socket(connection, server_side=True)
        for _answered in range(slow_after):
            if not read_request(connection):
                return
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        if read_request(connection):
            drip_until_stopped(connection, stopped, b"H")

    return loopback_server(answer)


def read_request(connection):
    """Read one request's head; return False when the client closed the connection first."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = connection.recv(4096)
        if not chunk:
            return False
        request += chunk
    return True


def test_requests_to_one_server_share_a_kept_alive_connection(private_allowed):
    with keep_alive_server(slow_after=3) as (port, opened):
        answers = [http_client.get(f"http://127.0.0.1:{port}/inbox-{n}") for n in range(3)]

    assert [answer.content for answer in answers] == [b"ok", b"ok", b"ok"]
    assert len(opened) == 1


def test_a_kept_alive_connection_is_under_the_next_requests_deadline(private_allowed):
    with keep_alive_server(slow_after=1) as (port, opened):
        assert http_client.get(f"http://127.0.0.1:{port}/fast", deadline=DEADLINE).content == b"ok"
        with cut_at_the_deadline():
            http_client.get(f"http://127.0.0.1:{port}/slow", deadline=DEADLINE)

    assert len(opened) == 1  # the slow answer came on the connection kept from the first


def test_requests_within_a_block_share_its_deadline(private_allowed, httpserver):
    httpserver.expect_request("/quick").respond_with_data("ok")
    with dripping_server(OK_HEAD, b"x") as port:
        started = time.monotonic()
        with http_client.within(DEADLINE):
            assert http_client.get(httpserver.url_for("/quick")).content == b"ok"  # the default 30 s is not used
            with pytest.raises(http_client.DeadlineExceeded):
                http_client.get(f"http://127.0.0.1:{port}/")
        assert time.monotonic() - started < DEADLINE + SLACK

        # Outside the block the request's own deadline applies again.
        with cut_at_the_deadline():
            http_client.get(f"http://127.0.0.1:{port}/", deadline=DEADLINE)


def test_a_looser_inner_block_keeps_the_outer_deadline(private_allowed):
    with dripping_server(OK_HEAD, b"x") as port:
        started = time.monotonic()
        with (
            http_client.within(DEADLINE),
            http_client.within(DEADLINE * 10),
            pytest.raises(http_client.DeadlineExceeded),
        ):
            http_client.get(f"http://127.0.0.1:{port}/")
        assert time.monotonic() - started < DEADLINE + SLACK


def test_a_kept_alive_tls_connection_is_reused_and_under_the_next_requests_deadline(
    private_allowed, settings, tmp_path
):
    authority, ca_file = certificate_authority(tmp_path, "Cooperative CA")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(*server_certificate(tmp_path, authority))
    settings.ROSEASH_CA_BUNDLE = str(ca_file)
    settings.ROSEASH_RESOLVE = {"localhost": "127.0.0.1"}

    with keep_alive_server(slow_after=2, tls=tls) as (port, opened):
        for path in ("/one", "/two"):
            assert http_client.get(f"https://localhost:{port}{path}", deadline=DEADLINE).content == b"ok"
        with cut_at_the_deadline():
            http_client.get(f"https://localhost:{port}/slow", deadline=DEADLINE)

    assert len(opened) == 1
