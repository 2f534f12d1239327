"""
The inbox with RFC 9421 message signatures: a POST signed the way Mastodon 4.4+ signs is accepted
and stored, and every refusal is a 401 with its code that stores nothing.

Requests are signed by an independent implementation (the ``http-message-signatures`` library) with
the key of a remote actor served on a local HTTP server, and POSTed through the test client.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from apps.federation.models import APActivity, Follow
from apps.federation.signing import keys

from .remote import ACTIVITY_JSON, RemoteActor

BLOG_INBOX = "http://blog.localhost/actors/blog/inbox"
BLOG_ACTOR = "http://blog.localhost/actors/blog"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_process_tasks(eager_tasks):
    """Tasks run in this process."""


def signed_headers(
    actor,
    body,
    *,
    url=BLOG_INBOX,
    components=("@method", "@target-uri"),
    cover_body=True,
    created=None,
    expires=None,
    private_pem=None,
):
    """
    Return the headers Mastodon 4.4+ sends with a POST to ``url``, as the test client's extra:
    ``Signature-Input`` covering ``@method @target-uri content-digest`` with created and the
    actor's keyid, its rsa-v1_5-sha256 ``Signature``, and the body's sha-256 ``Content-Digest``.
    """
    prepared = requests.Request("POST", url, data=body, headers={"Content-Type": ACTIVITY_JSON}).prepare()
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(
            public_keys={}, private_keys={actor.key_id: (private_pem or actor.private_pem).encode()}
        ),
    )
    signer.sign(
        prepared,
        key_id=actor.key_id,
        label="sig1",
        created=created or datetime.now(UTC),
        expires=expires,
        covered_component_ids=components,
        body=body if cover_body else None,
    )
    names = ("Signature-Input", "Signature", "Content-Digest")
    return {
        f"HTTP_{name.upper().replace('-', '_')}": prepared.headers[name] for name in names if name in prepared.headers
    }


def post(client, body, extra, path="/actors/blog/inbox"):
    return client.post(path, body, content_type=ACTIVITY_JSON, **extra)


def body_of(actor, kind="Follow", obj=BLOG_ACTOR):
    return json.dumps(actor.activity(kind, obj)).encode()


def test_a_follow_signed_as_mastodon_signs_is_accepted_stored_and_answered(
    ana, blog, django_capture_on_commit_callbacks
):
    follow = ana.activity("Follow", BLOG_ACTOR)
    body = json.dumps(follow).encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(blog, body, signed_headers(ana, body))

    assert response.status_code == 202, response.content
    stored = APActivity.objects.get(activity_id=follow["id"])
    assert (stored.direction, stored.state, stored.actor_url) == ("in", "done", ana.id)
    assert Follow.objects.get(follower_url=ana.id, followee_url=BLOG_ACTOR).state == "accepted"


def test_the_shared_inbox_accepts_a_message_signature(ana, site_client):
    body = body_of(ana)
    extra = signed_headers(ana, body, url="http://federation.localhost/inbox")

    response = post(site_client("federation"), body, extra, path="/inbox")

    assert response.status_code == 202, response.content
    assert APActivity.objects.inbound().count() == 1


def test_a_rotated_key_is_followed_by_one_refetch(ana, blog):
    body = body_of(ana)
    assert post(blog, body, signed_headers(ana, body)).status_code == 202
    ana.rotate()
    body = body_of(ana, "Like", "http://blog.localhost/notes/1")

    response = post(blog, body, signed_headers(ana, body))

    assert response.status_code == 202, response.content
    assert APActivity.objects.inbound().count() == 2


# --- refusals: each a 401 with its code, storing nothing ---


def replaced(name, old, new):
    """Return an edit of one header of the signed extra."""

    def edit(extra):
        extra[name] = extra[name].replace(old, new)

    return edit


def dropped(name):
    def edit(extra):
        del extra[name]

    return edit


HOUR = timedelta(hours=1)
REFUSALS = {
    "method not covered": ({"components": ("@target-uri",)}, None, "components_unsigned"),
    "target not covered": ({"components": ("@method",)}, None, "components_unsigned"),
    "path without authority": ({"components": ("@method", "@path")}, None, "components_unsigned"),
    "body not covered": ({"cover_body": False}, None, "components_unsigned"),
    "content-digest missing": ({}, dropped("HTTP_CONTENT_DIGEST"), "digest_missing"),
    "content-digest mismatched": (
        {},
        replaced("HTTP_CONTENT_DIGEST", "sha-256=:", "sha-256=:AAAA"),
        "digest_mismatch",
    ),
    "13 hours old": ({"created": datetime.now(UTC) - 13 * HOUR}, None, "date_expired"),
    "2 hours ahead": ({"created": datetime.now(UTC) + 2 * HOUR}, None, "date_future"),
    "expired": ({"expires": datetime.now(UTC) - timedelta(seconds=5)}, None, "date_expired"),
    "no created": ({}, replaced("HTTP_SIGNATURE_INPUT", ";created=", ";made="), "created_missing"),
    "no keyid": ({}, replaced("HTTP_SIGNATURE_INPUT", ";keyid=", ";key="), "keyid_missing"),
    "unknown alg": (
        {},
        replaced("HTTP_SIGNATURE_INPUT", '"rsa-v1_5-sha256"', '"hmac-sha256"'),
        "algorithm_unsupported",
    ),
    "malformed Signature-Input": ({}, replaced("HTTP_SIGNATURE_INPUT", "sig1=(", "sig1=(("), "signature_malformed"),
    "Signature without the label": ({}, replaced("HTTP_SIGNATURE", "sig1=", "sig2="), "signature_malformed"),
    "no Signature": ({}, dropped("HTTP_SIGNATURE"), "signature_missing"),
    "signature does not verify": (
        {},
        replaced("HTTP_SIGNATURE", "sig1=:", "sig1=:AAAA"),
        "signature_invalid",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_badly_signed_requests_get_401_with_their_code_and_store_nothing(ana, blog, case):
    options, edit, code = REFUSALS[case]
    body = body_of(ana)
    extra = signed_headers(ana, body, **options)
    if edit:
        edit(extra)

    response = post(blog, body, extra)

    assert response.status_code == 401, response.content
    assert json.loads(response.content)["error"] == code
    assert not APActivity.objects.exists()


def test_a_tampered_body_fails_its_content_digest(ana, blog):
    body = body_of(ana)

    response = post(blog, body.replace(b"Follow", b"Block"), signed_headers(ana, body))

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "digest_mismatch"
    assert not APActivity.objects.exists()


def test_a_request_signed_for_another_inbox_does_not_verify(ana, blog):
    body = body_of(ana)

    response = post(blog, body, signed_headers(ana, body, url="http://blog.localhost/actors/other/inbox"))

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "signature_invalid"
    assert not APActivity.objects.exists()


def test_a_forged_signature_with_the_right_keyid_is_refused(ana, blog):
    body = body_of(ana)
    forged = keys.generate_keypair()[0]

    response = post(blog, body, signed_headers(ana, body, private_pem=forged))

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "signature_invalid"
    assert not APActivity.objects.exists()


def test_a_key_of_actor_a_on_an_activity_by_actor_b_is_refused(ana, blog, httpserver):
    bob = RemoteActor(httpserver, name="bob").serve()
    body = body_of(bob)

    response = post(blog, body, signed_headers(ana, body))  # signed with ana's key, claims to be bob's

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "key_not_actors"
    assert not APActivity.objects.exists()
