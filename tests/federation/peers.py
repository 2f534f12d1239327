"""Actor documents as peers serve them, for tests that run a peer on a local HTTP server."""

import json
import time

from apps.federation.signing import keys

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
ACTOR_DOC = "application/vnd.fed-sx.actor-doc"
PRIVATE_PEM, PEM = keys.generate_keypair()

# Filled by tests that name ``tests.federation.peers.resolve`` as the peer resolver.
RESOLVED = {}


def resolve(name):
    return RESOLVED.get(name)


def compact_doc(actor_id, **overrides):
    doc = {
        "version": 1,
        "id": actor_id,
        "type": "Service",
        "handle": f"shop@{actor_id.split('/')[2].split(':')[0]}",
        "name": "The shop",
        "inbox": f"{actor_id}/inbox",
        "shared_inbox": actor_id.rsplit("/actors/", 1)[0] + "/inbox",
        "signing_key": f"{actor_id}#main-key",
        "public_keys": [
            {
                "id": f"{actor_id}#main-key",
                "algorithm": "rsa-sha256",
                "pem": PEM,
                "created": "2026-01-01T00:00:00+00:00",
            }
        ],
    }
    doc.update(overrides)
    return doc


def mastodon_doc(actor_id, **overrides):
    doc = {
        "@context": [
            AS_PROFILE,
            "https://w3id.org/security/v1",
            {"manuallyApprovesFollowers": "as:manuallyApprovesFollowers"},
        ],
        "id": actor_id,
        "type": "Person",
        "preferredUsername": "alice",
        "name": "Alice",
        "inbox": f"{actor_id}/inbox",
        "outbox": f"{actor_id}/outbox",
        "followers": f"{actor_id}/followers",
        "endpoints": {"sharedInbox": actor_id.split("/users/")[0] + "/inbox"},
        "publicKey": {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": PEM},
    }
    doc.update(overrides)
    return doc


def serve(httpserver, path, doc, content_type=ACTOR_DOC, status=200):
    body = doc if isinstance(doc, bytes) else json.dumps(doc)
    httpserver.expect_request(path).respond_with_data(body, status=status, content_type=content_type)
    return httpserver.url_for(path)


def wait_until_answered(httpserver, requests=1, timeout=5):
    """Wait until the single-threaded server has logged ``requests`` requests (a late answer would
    otherwise be logged during the next test)."""
    deadline = time.monotonic() + timeout
    while len(httpserver.log) < requests and time.monotonic() < deadline:
        time.sleep(0.05)
