"""
Slow peers against the web server as deployed: gunicorn with docker/gunicorn.conf.py, four threads.

An inbox POST from an actor we have never seen makes the web thread fetch that actor. Before the
whole-exchange deadline, a peer dripping its answer a byte at a time kept each such thread without
limit, and four of them froze a four-thread server (``/healthz`` did not answer for 90 s). Now each
POST is refused once ``ROSEASH_INBOX_FETCH_SECONDS`` pass, and the server answers again.
"""

import http.client
import threading
import time

import pytest

from apps.federation.signing import keys, signatures
from tests.docker.processes import free_port, gunicorn, migrate, project_env
from tests.dripping import dripping_server

BUDGET = 2  # ROSEASH_INBOX_FETCH_SECONDS given to the server
SLACK = 2  # a loaded two-core machine: thread scheduling, gunicorn's own work
INBOX = "http://blog.localhost/actors/blog/inbox"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """gunicorn as the web service runs it, one worker of four threads, on a migrated SQLite database."""
    var = tmp_path_factory.mktemp("slow-peers")
    port = free_port()
    env = project_env(
        var,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
        ROSEASH_INBOX_FETCH_SECONDS=str(BUDGET),
        ROSEASH_FEDERATION_ALLOW_PRIVATE="true",  # the dripping peer is on loopback
        ROSEASH_ENV_FILE="",
    )
    migrate(env)
    with gunicorn(env, var / "stdout.log", port):
        yield port


def post_follow(port, actor, results):
    """POST a Follow signed by ``actor`` (a key we never published: the fetch comes first) and time it."""
    body = f'{{"id": "{actor}/follows/1", "type": "Follow", "actor": "{actor}", "object": "{INBOX[:-6]}"}}'.encode()
    headers = signatures.sign(
        "POST",
        INBOX,
        key_id=f"{actor}#main-key",
        private_key_pem=keys.generate_keypair()[0],
        body=body,
        headers={"Content-Type": "application/activity+json"},
    )
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/actors/blog/inbox", body=body, headers=headers)
        answer = conn.getresponse()
        results.append((answer.status, answer.read(), time.monotonic() - started))
    finally:
        conn.close()


def timed_healthz(port):
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/healthz", headers={"Host": "blog.localhost"})
        status = conn.getresponse().status
    finally:
        conn.close()
    return status, time.monotonic() - started


def test_four_dripping_peers_hold_a_four_thread_server_only_for_the_inbox_budget(web):
    results = []
    with dripping_server(b"HTTP/1.1 200 OK\r\n", b"X") as drip_port:
        senders = [
            threading.Thread(target=post_follow, args=(web, f"http://127.0.0.1:{drip_port}/users/slow{n}", results))
            for n in range(4)
        ]
        for sender in senders:
            sender.start()
        time.sleep(0.5)  # every thread of the server is now fetching from the dripping peer
        health = timed_healthz(web)
        for sender in senders:
            sender.join(timeout=30)

    assert len(results) == 4
    for status, body, elapsed in results:
        assert status == 401
        assert b"actor_unavailable" in body
        assert elapsed < BUDGET + SLACK
    assert health[0] == 200
    assert health[1] < BUDGET + SLACK  # answered once a thread was free again, not never
