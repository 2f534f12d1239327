"""Discovery against real local HTTP servers: every outcome of ``fetch`` and of finding a peer's URL."""

import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug import Response

from apps.core.outbound import http_client
from apps.federation.peers.discovery import ACCEPT, actor_url_for, fetch
from apps.federation.peers.outcomes import ActorState, BadActorDoc, HttpStatus, NoPeerUrl, TransportError

from .peers import ACTOR_DOC, AS_PROFILE, PEM, RESOLVED, compact_doc, mastodon_doc, serve, wait_until_answered

ACTIVITY_JSON_UTF8 = "application/activity+json; charset=utf-8"


def test_a_peer_name_maps_to_its_base_url_plus_actors_name(settings):
    settings.ROSEASH_FEDERATION_PEERS = {"shop": "https://shop.example.org/", "co": "https://co.example.org/base"}

    assert actor_url_for("shop") == "https://shop.example.org/actors/shop"
    assert actor_url_for("co") == "https://co.example.org/base/actors/co"


def test_the_resolver_names_peers_the_map_does_not(settings):
    settings.ROSEASH_FEDERATION_PEERS = {}
    settings.ROSEASH_FEDERATION_PEER_RESOLVER = "tests.federation.peers.resolve"
    RESOLVED["farm"] = "https://farm.example.org"
    try:
        assert actor_url_for("farm") == "https://farm.example.org/actors/farm"
        assert isinstance(actor_url_for("unknown"), NoPeerUrl)
    finally:
        RESOLVED.clear()


def test_an_actor_url_is_its_own_peer_url():
    assert actor_url_for("https://social.example/users/alice") == "https://social.example/users/alice"


@pytest.mark.parametrize("target", ["missing", "not a name!", "ftp://x.example/actors/a", "acct:"])
def test_a_target_without_a_peer_url_says_so(settings, target):
    settings.ROSEASH_FEDERATION_PEERS = {"shop": "https://shop.example.org"}

    outcome = actor_url_for(target)

    assert isinstance(outcome, NoPeerUrl)
    assert outcome.describe().startswith("no_peer_url: ")


def test_our_compact_document_is_read(private_allowed, settings, httpserver):
    settings.ROSEASH_FEDERATION_PEERS = {"shop": httpserver.url_for("/")}
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", compact_doc(url))

    outcome = fetch(actor_url_for("shop"))

    assert outcome == ActorState(
        id=url,
        inbox=f"{url}/inbox",
        shared_inbox=httpserver.url_for("/inbox"),
        public_keys=outcome.public_keys,
        handle="shop@localhost",
        name="The shop",
        format="actor-doc",
    )
    [key] = outcome.public_keys
    assert (key.id, key.algorithm, key.pem, key.created) == (
        f"{url}#main-key",
        "rsa-sha256",
        PEM,
        "2026-01-01T00:00:00+00:00",
    )
    request = httpserver.log[0][0]
    assert request.headers["Accept"] == ACCEPT
    assert request.headers["Accept"].startswith(ACTOR_DOC)


@pytest.mark.parametrize("content_type", [ACTIVITY_JSON_UTF8, f'application/ld+json; profile="{AS_PROFILE}"'])
def test_a_mastodon_shaped_actor_is_read(private_allowed, httpserver, content_type):
    url = httpserver.url_for("/users/alice")
    serve(httpserver, "/users/alice", mastodon_doc(url), content_type)

    outcome = fetch(url)

    assert isinstance(outcome, ActorState)
    assert outcome.handle == "alice@localhost"
    assert outcome.name == "Alice"
    assert outcome.inbox == f"{url}/inbox"
    assert outcome.shared_inbox == httpserver.url_for("/inbox")
    assert outcome.format == "activitystreams"
    assert outcome.key(f"{url}#main-key").pem == PEM


def test_a_same_host_redirect_is_followed_and_the_final_id_accepted(private_allowed, httpserver):
    final = httpserver.url_for("/users/alice")
    httpserver.expect_request("/@alice").respond_with_data("", status=301, headers={"Location": "/users/alice"})
    serve(httpserver, "/users/alice", mastodon_doc(final), ACTIVITY_JSON_UTF8)

    assert isinstance(fetch(httpserver.url_for("/@alice")), ActorState)


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_an_error_status_is_reported_with_its_number(private_allowed, httpserver, status):
    url = serve(httpserver, "/actors/shop", {"error": "x"}, "application/json", status=status)

    outcome = fetch(url)

    assert outcome == HttpStatus(url, status)
    assert outcome.describe() == f"status {status}"
    assert outcome.transient is (status >= 500)


def test_a_peer_that_does_not_answer_in_time_is_a_transport_error(private_allowed, monkeypatch, httpserver):
    monkeypatch.setattr(http_client, "READ_TIMEOUT", 0.3)

    def slow(request):
        time.sleep(1)
        return Response("{}", content_type=ACTOR_DOC)

    httpserver.expect_request("/actors/shop").respond_with_handler(slow)

    outcome = fetch(httpserver.url_for("/actors/shop"))

    assert isinstance(outcome, TransportError)
    assert outcome.transient
    assert outcome.describe().startswith("transport: timed out")
    wait_until_answered(httpserver)  # so the late answer is not logged during the next test


def test_a_closed_port_is_a_transport_error(private_allowed):
    outcome = fetch("http://127.0.0.1:9/actors/shop")

    assert isinstance(outcome, TransportError)
    assert "cannot connect" in outcome.reason


def bad_reason(outcome):
    assert isinstance(outcome, BadActorDoc), outcome
    return outcome.reason


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"\xff\xfe\x00garbage", ACTOR_DOC, "not JSON"),
        (b"{not json", ACTOR_DOC, "not JSON"),
        (b"[1, 2]", ACTOR_DOC, "not a JSON object"),
        (None, "text/html; charset=utf-8", "Content-Type 'text/html; charset=utf-8' is not an actor document"),
        (None, "application/json", "is not an actor document"),
        (None, "application/ld+json", "is not an actor document"),
        (None, 'application/ld+json; profile="https://example.org/x"', "is not an actor document"),
    ],
)
def test_an_unreadable_or_mislabelled_body_is_a_bad_actor_doc(private_allowed, httpserver, body, content_type, reason):
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", body or compact_doc(url), content_type)

    assert reason in bad_reason(fetch(url))


@pytest.mark.parametrize("name", ["Shop\u0000", "a lone \ud800 surrogate"], ids=["nul", "lone-surrogate"])
def test_text_no_database_can_hold_makes_a_bad_actor_doc(private_allowed, httpserver, name):
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", json.dumps(compact_doc(url, name=name)).encode())

    assert "U+0000 or a lone surrogate" in bad_reason(fetch(url))


def test_an_id_other_than_the_url_fetched_is_a_bad_actor_doc(private_allowed, httpserver):
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", compact_doc("https://victim.example/actors/shop"))

    assert "is not the URL fetched" in bad_reason(fetch(url))


def test_a_key_owned_by_another_actor_is_a_bad_actor_doc(private_allowed, httpserver):
    url = httpserver.url_for("/users/alice")
    other = httpserver.url_for("/users/mallory")
    doc = mastodon_doc(url, publicKey={"id": f"{other}#main-key", "owner": other, "publicKeyPem": PEM})
    serve(httpserver, "/users/alice", doc, ACTIVITY_JSON_UTF8)

    assert "is owned by" in bad_reason(fetch(url))


def test_a_compact_key_of_another_actor_is_a_bad_actor_doc(private_allowed, httpserver):
    url = httpserver.url_for("/actors/shop")
    key = {"id": httpserver.url_for("/actors/other#main-key"), "algorithm": "rsa-sha256", "pem": PEM}
    serve(httpserver, "/actors/shop", compact_doc(url, public_keys=[key]))

    assert "does not belong to" in bad_reason(fetch(url))


def small_key_pem():
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505 (must be refused)
    return small.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"version": 2}, "version 2 is not supported"),
        ({"public_keys": []}, "public_keys is missing"),
        ({"inbox": "javascript:alert(1)"}, "inbox is not an http(s) URL"),
        ({"shared_inbox": 5}, "shared_inbox is not an http(s) URL"),
        ({"pem": "not a key"}, "is not a PEM public key"),
        ({"pem": "small"}, "at least 2048 bits"),
        ({"algorithm": "hmac-sha256"}, "not rsa-sha256"),
    ],
)
def test_a_compact_document_failing_a_check_is_a_bad_actor_doc(private_allowed, httpserver, change, reason):
    url = httpserver.url_for("/actors/shop")
    doc = compact_doc(url)
    key = doc["public_keys"][0]
    for field in ("pem", "algorithm"):
        if field in change:
            key[field] = small_key_pem() if change[field] == "small" else change[field]
    doc.update({name: value for name, value in change.items() if name not in ("pem", "algorithm")})
    serve(httpserver, "/actors/shop", doc)

    assert reason in bad_reason(fetch(url))


def test_a_handle_claiming_another_host_is_not_adopted(private_allowed, httpserver):
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", compact_doc(url, handle="admin@mastodon.social"))

    assert fetch(url).handle == ""


def test_a_cross_host_redirect_is_refused(private_allowed, httpserver):
    elsewhere = f"http://127.0.0.1:{httpserver.port}/users/alice"
    httpserver.expect_request("/users/alice").respond_with_data("", status=302, headers={"Location": elsewhere})

    outcome = fetch(httpserver.url_for("/users/alice"))

    assert isinstance(outcome, TransportError)
    assert "redirects to another host" in outcome.reason
    assert not outcome.transient


def test_an_oversized_body_is_cut_off(private_allowed, httpserver):
    def huge():
        while True:
            yield b" " * 65536

    httpserver.expect_request("/actors/shop").respond_with_handler(
        lambda request: Response(huge(), content_type=ACTOR_DOC)
    )

    assert "more than the 1048576 bytes allowed" in bad_reason(fetch(httpserver.url_for("/actors/shop")))


def test_a_private_address_is_refused_unless_allowed(settings, httpserver):
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = False
    url = serve(httpserver, "/actors/shop", compact_doc(httpserver.url_for("/actors/shop")))

    outcome = fetch(url)

    assert isinstance(outcome, TransportError)
    assert "loopback" in outcome.reason
    assert not outcome.transient
    assert httpserver.log == []
