"""
The inbox: what it accepts (and then does), and every refusal of the reference, each storing nothing.

A remote actor runs on a local HTTP server; activities are signed with its key and POSTed through the
test client to our inboxes. Tasks run eagerly, on commit.
"""

import json
import select
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpsig
import pytest
from django.db import close_old_connections, connection

from apps.federation.models import APActivity, Follow, PeerActor
from apps.federation.peers import directory as peer_cache
from apps.federation.signing import keys, signatures
from tests.dripping import dripping_server

from .peers import PEM, wait_until_answered
from .remote import ACTIVITY_JSON, RemoteActor, signed_post

BLOG_INBOX = "http://blog.localhost/actors/blog/inbox"
SHARED_INBOX = "http://federation.localhost/inbox"
BLOG_ACTOR = "http://blog.localhost/actors/blog"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_process_tasks")]


def test_a_signed_follow_of_a_site_actor_is_stored_accepted_and_answered_with_an_accept(
    ana, blog, httpserver, django_capture_on_commit_callbacks
):
    follow = ana.activity("Follow", BLOG_ACTOR)

    with django_capture_on_commit_callbacks(execute=True):
        response = ana.post(blog, BLOG_INBOX, follow)

    assert response.status_code == 202
    stored = APActivity.objects.get(activity_id=follow["id"])
    assert (stored.direction, stored.state, stored.actor_url) == ("in", "done", ana.id)
    row = Follow.objects.get(follower_url=ana.id, followee_url=BLOG_ACTOR)
    assert row.state == "accepted"
    assert row.follower_peer == PeerActor.objects.get(actor_url=ana.id)
    accept = APActivity.objects.outbound().get(type="Accept")
    assert accept.payload["object"]["id"] == follow["id"]
    delivered = [entry for entry, _response in httpserver.log if entry.method == "POST"]
    assert len(delivered) == 1
    assert json.loads(delivered[0].data)["type"] == "Accept"
    assert accept.deliveries.get().state == "delivered"


def test_mastodon_signed_activity_from_an_independent_signer_is_accepted(ana, blog):
    body = json.dumps(ana.activity("Follow", BLOG_ACTOR)).encode()
    sent = {
        "Host": "blog.localhost",
        "Date": format_datetime(datetime.now(UTC), usegmt=True),
        "Digest": signatures.digest(body),
        "Content-Type": ACTIVITY_JSON,
    }
    signer = httpsig.HeaderSigner(
        ana.key_id, ana.private_pem, algorithm="rsa-sha256", headers=["(request-target)", "host", "date", "digest"]
    )
    signed = signer.sign(sent, host="blog.localhost", method="POST", path="/actors/blog/inbox")

    response = blog.post(
        "/actors/blog/inbox",
        body,
        content_type=ACTIVITY_JSON,
        HTTP_DATE=signed["Date"],
        HTTP_DIGEST=signed["Digest"],
        HTTP_SIGNATURE=signed["authorization"].removeprefix("Signature ")
        if "authorization" in signed
        else signed["Signature"],
    )

    assert response.status_code == 202
    assert APActivity.objects.inbound().count() == 1


def test_the_shared_inbox_accepts_on_every_host(ana, site_client):
    for site in ("federation", "market"):
        response = ana.post(site_client(site), f"http://{site}.localhost/inbox", ana.activity("Follow", BLOG_ACTOR))
        assert response.status_code == 202
    assert APActivity.objects.inbound().count() == 2


def test_the_same_activity_twice_changes_nothing(ana, blog, django_capture_on_commit_callbacks):
    follow = ana.activity("Follow", BLOG_ACTOR)
    with django_capture_on_commit_callbacks(execute=True):
        first = ana.post(blog, BLOG_INBOX, follow)
    processed = APActivity.objects.get(activity_id=follow["id"]).processed_at
    with django_capture_on_commit_callbacks(execute=True):
        second = ana.post(blog, BLOG_INBOX, follow)

    assert (first.status_code, second.status_code) == (202, 202)
    assert APActivity.objects.inbound().count() == 1
    assert APActivity.objects.get(activity_id=follow["id"]).processed_at == processed  # not processed again
    assert APActivity.objects.outbound().count() == 1
    assert Follow.objects.count() == 1


def test_an_unknown_actors_self_delete_is_accepted_without_any_fetch(blog, httpserver, private_allowed):
    gone = RemoteActor(httpserver, name="gone")  # its document is not served: a fetch would fail
    response = gone.post(blog, SHARED_INBOX.replace("federation", "blog"), gone.activity("Delete", gone.id))

    assert response.status_code == 202
    assert httpserver.log == []
    assert not APActivity.objects.exists()


def test_a_rotated_key_is_followed_by_one_refetch(ana, blog, httpserver):
    assert ana.post(blog, BLOG_INBOX, ana.activity("Follow", BLOG_ACTOR)).status_code == 202
    ana.rotate()

    response = ana.post(blog, BLOG_INBOX, ana.activity("Like", "http://blog.localhost/notes/1"))

    assert response.status_code == 202
    assert PeerActor.objects.get(actor_url=ana.id).public_keys[0]["pem"] == ana.public_pem


def test_a_key_another_process_refetched_is_taken_from_the_shared_cache_before_the_peer(ana, blog, httpserver):
    assert ana.post(blog, BLOG_INBOX, ana.activity("Follow", BLOG_ACTOR)).status_code == 202
    remembered = peer_cache.lookup_or_fetch(ana.id)
    ana.rotate()
    peer_cache.refresh_peer(ana.id)  # a worker handling the actor's Update, say
    peer_cache._Memory.keep([ana.id], remembered)  # ... while this process still remembers the old key
    fetched = len(httpserver.log)

    response = ana.post(blog, BLOG_INBOX, ana.activity("Like", "http://blog.localhost/notes/1"))

    assert response.status_code == 202
    assert len(httpserver.log) == fetched


def test_refetches_for_failing_signatures_are_limited_per_peer(ana, blog, httpserver):
    assert ana.post(blog, BLOG_INBOX, ana.activity("Follow", BLOG_ACTOR)).status_code == 202
    forged = keys.generate_keypair()[0]

    def fetches():
        return len([entry for entry, _ in httpserver.log if entry.method == "GET"])

    before = fetches()
    wrong = ana.post(blog, BLOG_INBOX, ana.activity("Like", "http://x.example/1"), private_pem=forged)
    refetched = fetches() - before
    again = ana.post(blog, BLOG_INBOX, ana.activity("Like", "http://x.example/2"), private_pem=forged)

    assert (wrong.status_code, again.status_code) == (401, 401)
    assert refetched == 1
    assert fetches() - before == 1
    assert APActivity.objects.count() == 1


# --- refusals: each is answered with its status and a reason, and stores nothing ---


def post_raw(ana, client, body, *, headers=None, sign_kwargs=None, drop=(), path="/actors/blog/inbox"):
    extra = ana.headers(BLOG_INBOX, body, **(sign_kwargs or {}))
    extra.pop("HTTP_CONTENT_TYPE", None)
    for name in drop:
        extra.pop(name, None)
    extra.update(headers or {})
    return client.post(path, body, content_type=ACTIVITY_JSON, **extra)


def resign(ana, body, headers_list, algorithm="rsa-sha256"):
    sent = {
        "Host": "blog.localhost",
        "Date": format_datetime(datetime.now(UTC), usegmt=True),
        "Digest": signatures.digest(body),
    }
    signer = httpsig.HeaderSigner(ana.key_id, ana.private_pem, algorithm="rsa-sha256", headers=headers_list)
    value = signer.sign(sent, host="blog.localhost", method="POST", path="/actors/blog/inbox")["authorization"]
    value = value.removeprefix("Signature ").replace('algorithm="rsa-sha256"', f'algorithm="{algorithm}"')
    return {"HTTP_SIGNATURE": value, "HTTP_DATE": sent["Date"], "HTTP_DIGEST": sent["Digest"]}


def body_of(ana, kind="Follow", obj=BLOG_ACTOR):
    return json.dumps(ana.activity(kind, obj)).encode()


REFUSALS = {
    "unsigned": lambda ana: {"drop": ("HTTP_SIGNATURE",)},
    "digest not signed": lambda ana: {"headers": resign(ana, body_of(ana), ["(request-target)", "host", "date"])},
    "date not signed": lambda ana: {"headers": resign(ana, body_of(ana), ["(request-target)", "host", "digest"])},
    "wrong algorithm": lambda ana: {
        "headers": resign(ana, body_of(ana), ["(request-target)", "host", "date", "digest"], "rsa-sha1")
    },
    "13 hours old": lambda ana: {"sign_kwargs": {"now": datetime.now(UTC) - timedelta(hours=13)}},
    "2 hours ahead": lambda ana: {"sign_kwargs": {"now": datetime.now(UTC) + timedelta(hours=2)}},
    "garbage signature": lambda ana: {"headers": {"HTTP_SIGNATURE": "not a signature"}},
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_unsigned_or_badly_signed_requests_get_401(ana, blog, case):
    response = post_raw(ana, blog, body_of(ana), **REFUSALS[case](ana))

    assert response.status_code == 401, response.content
    assert json.loads(response.content)["error"]
    assert not APActivity.objects.exists()


def test_a_tampered_body_fails_its_digest(ana, blog):
    body = body_of(ana)
    extra = ana.headers(BLOG_INBOX, body)
    extra.pop("HTTP_CONTENT_TYPE")

    response = blog.post("/actors/blog/inbox", body.replace(b"Follow", b"Block"), content_type=ACTIVITY_JSON, **extra)

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "digest_mismatch"
    assert not APActivity.objects.exists()


def test_a_key_of_actor_a_on_an_activity_by_actor_b_is_refused(ana, blog, httpserver):
    bob = RemoteActor(httpserver, name="bob").serve()
    activity = bob.activity("Follow", BLOG_ACTOR)

    response = ana.post(blog, BLOG_INBOX, activity)  # signed with ana's key, claims to be bob's

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "key_not_actors"
    assert not APActivity.objects.exists()


def test_a_forged_signature_with_the_right_key_id_is_refused(ana, blog):
    other_private, _ = keys.generate_keypair()
    response = ana.post(blog, BLOG_INBOX, ana.activity("Follow", BLOG_ACTOR), private_pem=other_private)

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "signature_invalid"
    assert not APActivity.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{" * 5000 + b"}" * 5000, 400),
        (b'{"type": "Follow", "a": ' + b"[" * 30 + b"1" + b"]" * 30 + b"}", 400),
        (b'{"type": "Follow", "id": "\xff\xfe"}', 400),
        (b"[]", 400),
        (b"not json", 400),
        (b'{"type": "Follow"}', 400),
        (b'{"type": "Follow", "id": "javascript:alert(1)", "actor": "http://a.example/u"}', 400),
        (b'{"type": "Follow", "id": "http://a.example/1", "actor": "http://a.example/u", "n": NaN}', 400),
        (b" " * 300_000, 413),
    ],
    ids=[
        "deep-brackets",
        "deep-json",
        "invalid-utf8",
        "not-an-object",
        "not-json",
        "no-id",
        "bad-id",
        "nan",
        "oversized",
    ],
)
def test_bad_json_gets_400_or_413_never_500(ana, blog, body, status):
    response = post_raw(ana, blog, body)

    assert response.status_code == status
    assert not APActivity.objects.exists()


def test_an_activity_id_on_another_host_than_its_actor_is_refused(ana, blog):
    activity = ana.activity("Follow", BLOG_ACTOR, id="https://elsewhere.example/activities/1")

    assert ana.post(blog, BLOG_INBOX, activity).status_code == 400
    assert not APActivity.objects.exists()


def test_an_unknown_local_inbox_is_404_and_a_get_is_405(ana, blog):
    assert ana.post(blog, "http://blog.localhost/actors/nobody/inbox", body_of(ana)).status_code == 404
    assert blog.get("/actors/blog/inbox").status_code == 405
    assert not APActivity.objects.exists()


def test_an_unreachable_signer_is_401(blog, httpserver, private_allowed):
    ghost = RemoteActor(httpserver, name="ghost")  # never served: its actor cannot be fetched

    response = ghost.post(blog, BLOG_INBOX, ghost.activity("Follow", BLOG_ACTOR))

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "actor_unavailable"
    wait_until_answered(httpserver, 1)
    assert not APActivity.objects.exists()


def test_a_peer_cannot_speak_for_our_own_actors(ana, blog):
    activity = {**ana.activity("Follow", BLOG_ACTOR), "actor": BLOG_ACTOR, "id": BLOG_ACTOR + "/activities/x"}

    response = ana.post(blog, BLOG_INBOX, activity, key_id=BLOG_ACTOR + "#main-key")

    assert response.status_code == 401
    assert not APActivity.objects.exists()


def test_pem_of_the_fixture_is_what_the_peer_serves(ana):
    assert ana.public_pem == PEM


def test_a_peer_cannot_speak_for_a_removed_member(ana, blog, member):
    member.is_active = False
    member.save()
    alice = "http://federation.localhost/actors/alice"
    activity = {**ana.activity("Follow", BLOG_ACTOR), "actor": alice, "id": alice + "/activities/x"}

    response = ana.post(blog, BLOG_INBOX, activity, key_id=alice + "#main-key")

    assert response.status_code == 401
    assert not APActivity.objects.exists()


@pytest.mark.parametrize(
    "value",
    [r'"before\u0000after"', r'"a lone \ud800 surrogate"', "1e1000000"],
    ids=["nul", "lone-surrogate", "huge-number"],
)
def test_what_postgresql_cannot_store_is_refused_with_a_reason_not_a_500(ana, blog, value):
    """JSON that Python reads but a PostgreSQL jsonb cannot hold (SQLite stores it)."""
    from django.db import connection

    body = json.dumps(ana.activity("Create", ana.note(summary="SUMMARY"))).replace('"SUMMARY"', value).encode()

    response = ana.post(blog, BLOG_INBOX, body)

    if connection.vendor == "postgresql":
        assert response.status_code == 400
        assert json.loads(response.content)["error"] == "activity_unstorable"
        assert not APActivity.objects.exists()
    else:
        assert response.status_code == 202


def test_escapes_in_the_body_survive_storing_it_as_it_came(ana, blog):
    note = ana.note(content="<p>a path: C:\\u0000</p>")

    response = ana.post(blog, BLOG_INBOX, ana.activity("Create", note))

    assert response.status_code == 202
    assert APActivity.objects.get().payload["object"]["content"] == "<p>a path: C:\\u0000</p>"


@pytest.mark.postgresql(reason="SQLite has no server to end a connection")
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_database_closed_is_replaced_before_the_request_uses_it(ana, blog):
    """A restart or failover ends kept connections; the socket check finds it without a query."""
    connection.ensure_connection()
    doomed = connection.connection.info.backend_pid
    other = connection.copy()
    with other.cursor() as cursor:  # from another session, as the server does on a restart
        cursor.execute("SELECT pg_terminate_backend(%s)", [doomed])
    other.close()
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    assert poller.poll(2000), "the server did not end the connection"
    follow = ana.activity("Follow", BLOG_ACTOR)
    close_old_connections()  # what a server's request_started does (the test client leaves it out)

    response = ana.post(blog, BLOG_INBOX, follow)

    assert response.status_code == 202
    assert connection.connection.info.backend_pid != doomed
    assert APActivity.objects.filter(activity_id=follow["id"]).exists()


def test_a_signer_whose_actor_document_no_database_can_hold_is_refused_with_401(private_allowed, httpserver, blog):
    """A NUL in a peer's name must not make every POST of that peer a 500 (storing the peer failed)."""
    eve = RemoteActor(httpserver, name="eve").serve(name="Eve\u0000")

    response = eve.post(blog, BLOG_INBOX, eve.activity("Follow", BLOG_ACTOR))

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "actor_unavailable"
    assert not APActivity.objects.exists()


def test_a_signer_whose_server_drips_is_refused_within_the_inbox_budget(blog, settings, private_allowed):
    """A peer answering a byte at a time holds the POST (a web thread) for the budget, no longer."""
    settings.ROSEASH_INBOX_FETCH_SECONDS = 0.5
    with dripping_server(b"HTTP/1.1 200 OK\r\n", b"X") as port:
        actor = f"http://127.0.0.1:{port}/users/slow"
        follow = {"id": f"{actor}/follows/1", "type": "Follow", "actor": actor, "object": BLOG_ACTOR}
        started = time.monotonic()

        response = signed_post(blog, BLOG_INBOX, follow, key_id=f"{actor}#main-key")

    assert time.monotonic() - started < 0.5 + 0.5
    assert response.status_code == 401
    assert response.json()["error"] == "actor_unavailable"
    assert "deadline" in response.json()["message"]
    assert not APActivity.objects.exists()
