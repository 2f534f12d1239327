"""Serving our actors: one URL each, negotiated on Accept with q-values, 404/410 in every format."""

import json

import pytest

from apps.federation import actors
from apps.federation.signing import keys
from apps.federation.vocabulary import ACTIVITY_JSON, ACTOR_DOC, LD_JSON_AS

pytestmark = pytest.mark.django_db

HTML = "text/html; charset=utf-8"
AS_PROFILE = "https://www.w3.org/ns/activitystreams"
MASTODON_ACCEPT = f'application/activity+json, application/ld+json; profile="{AS_PROFILE}"'
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def get_actor(site_client, site, name, accept=None):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return site_client(site).get(f"/actors/{name}", **headers)


def vary(response):
    return [part.strip() for part in response.get("Vary", "").split(",")]


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/activity+json", ACTIVITY_JSON),
        (f'application/ld+json; profile="{AS_PROFILE}"', LD_JSON_AS),
        ("application/ld+json", LD_JSON_AS),
        (ACTOR_DOC, ACTOR_DOC),
        ("text/html", HTML),
        (MASTODON_ACCEPT, ACTIVITY_JSON),
        ("application/activity+json,application/ld+json", ACTIVITY_JSON),
        (BROWSER_ACCEPT, HTML),
        ("*/*", HTML),
        (None, HTML),
        ("", HTML),
        ("image/png", HTML),
        ('application/ld+json; profile="https://example.org/other"', HTML),
        ("application/*", ACTIVITY_JSON),
        ("application/activity+json;q=0, */*", HTML),
        ("text/html;q=0, */*;q=0.5", ACTIVITY_JSON),
        ("text/html;q=0.1, application/activity+json", ACTIVITY_JSON),
        (f"{ACTOR_DOC};q=0.5, application/activity+json;q=0.9", ACTIVITY_JSON),
        (f"{ACTOR_DOC}, application/activity+json;q=0.9", ACTOR_DOC),
        (f"application/activity+json;q=0.2, {ACTOR_DOC};q=0.3, text/html;q=0.1", ACTOR_DOC),
        ("application/activity+json;q=bogus, text/html", HTML),
        ("not a media type, application/activity+json", ACTIVITY_JSON),
    ],
)
def test_accept_picks_the_representation_and_its_exact_content_type(site_client, accept, content_type):
    response = get_actor(site_client, "blog", "blog", accept)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "Accept" in vary(response)


def test_the_activitystreams_document_is_mastodon_shaped(site_client):
    doc = get_actor(site_client, "blog", "blog", "application/activity+json").json()

    assert doc["@context"] == [AS_PROFILE, "https://w3id.org/security/v1"]
    assert doc["id"] == "http://blog.localhost/actors/blog"
    assert doc["type"] == "Service"
    assert doc["preferredUsername"] == "blog"
    assert doc["inbox"] == "http://blog.localhost/actors/blog/inbox"
    assert doc["outbox"] == "http://blog.localhost/actors/blog/outbox"
    assert doc["followers"] == "http://blog.localhost/actors/blog/followers"
    assert doc["endpoints"] == {"sharedInbox": "http://federation.localhost/inbox"}
    assert doc["publicKey"]["id"] == "http://blog.localhost/actors/blog#main-key"
    assert doc["publicKey"]["owner"] == doc["id"]
    assert doc["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_each_site_actor_projects_the_one_instance_key_under_its_own_key_id(site_client):
    pems, key_ids = set(), set()
    for site in ("blog", "market", "cart", "events", "account", "federation"):
        doc = get_actor(site_client, site, site, "application/activity+json").json()
        assert doc["id"] == f"http://{site}.localhost/actors/{site}"
        pems.add(doc["publicKey"]["publicKeyPem"])
        key_ids.add(doc["publicKey"]["id"])

    assert len(pems) == 1
    assert len(key_ids) == 6


def test_the_compact_actor_doc(site_client):
    doc = json.loads(get_actor(site_client, "market", "market", ACTOR_DOC).content)

    assert doc["version"] == 1
    assert doc["id"] == "http://market.localhost/actors/market"
    assert doc["handle"] == "market@market.localhost"
    assert doc["inbox"] == "http://market.localhost/actors/market/inbox"
    assert doc["shared_inbox"] == "http://federation.localhost/inbox"
    assert doc["signing_key"] == "http://market.localhost/actors/market#main-key"
    [key] = doc["public_keys"]
    assert key["id"] == doc["signing_key"]
    assert key["algorithm"] == "rsa-sha256"
    assert key["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert key["created"]


def test_the_html_page_names_the_actor_and_links_its_document(site_client):
    response = get_actor(site_client, "events", "events", "text/html")

    page = response.content.decode()
    assert "@events@events.localhost" in page
    assert (
        '<link rel="alternate" type="application/activity+json" href="http://events.localhost/actors/events">' in page
    )


def test_a_member_has_a_person_actor_on_the_federation_host(site_client, member):
    doc = get_actor(site_client, "federation", "alice", "application/activity+json").json()

    assert doc["id"] == "http://federation.localhost/actors/alice"
    assert doc["type"] == "Person"
    assert doc["preferredUsername"] == "alice"
    assert doc["publicKey"]["owner"] == doc["id"]


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/activity+json", ACTIVITY_JSON),
        (f'application/ld+json; profile="{AS_PROFILE}"', LD_JSON_AS),
        (ACTOR_DOC, ACTOR_DOC),
        ("text/html", HTML),
        (None, HTML),
    ],
)
@pytest.mark.parametrize(
    ("site", "name"),
    [
        ("federation", "nobody"),
        ("blog", "alice"),  # members live on the federation host only
        ("blog", "market"),  # a site's actor lives on its own host only
        ("federation", "Alice"),  # ids are exact: no second URL for one actor
        ("federation", "no-such.name"),  # not even a possible username
    ],
)
def test_an_unknown_actor_is_404_in_every_format(site_client, member, site, name, accept, content_type):
    response = get_actor(site_client, site, name, accept)

    assert response.status_code == 404
    assert response["Content-Type"] == content_type
    assert "Accept" in vary(response)
    if content_type != HTML:
        assert json.loads(response.content)["error"] == "actor_unknown"


@pytest.mark.parametrize("accept", ["application/activity+json", ACTOR_DOC, "text/html"])
def test_a_deactivated_member_is_gone(site_client, member, accept):
    member.is_active = False
    member.save()

    assert get_actor(site_client, "federation", "alice", accept).status_code == 410


def test_a_rotated_key_stays_published_until_retired(site_client):
    first = keys.signing_key()
    second = keys.rotate()

    doc = json.loads(get_actor(site_client, "blog", "blog", ACTOR_DOC).content)
    assert [key["id"] for key in doc["public_keys"]] == [
        "http://blog.localhost/actors/blog#main-key",
        "http://blog.localhost/actors/blog#key-2",
    ]
    assert doc["signing_key"] == "http://blog.localhost/actors/blog#key-2"
    as_doc = get_actor(site_client, "blog", "blog", "application/activity+json").json()
    assert as_doc["publicKey"]["publicKeyPem"] == second.public_key_pem

    keys.retire(first.name)

    doc = json.loads(get_actor(site_client, "blog", "blog", ACTOR_DOC).content)
    assert [key["id"] for key in doc["public_keys"]] == ["http://blog.localhost/actors/blog#key-2"]


def test_the_signing_key_cannot_be_retired():
    key = keys.signing_key()

    with pytest.raises(keys.RoseAshError, match="rotate to a new key first"):
        keys.retire(key.name)


def test_retiring_an_unknown_or_retired_key_is_refused():
    keys.signing_key()
    keys.rotate()
    keys.retire("main-key")

    with pytest.raises(keys.RoseAshError, match="already retired"):
        keys.retire("main-key")
    with pytest.raises(keys.RoseAshError, match="no instance key"):
        keys.retire("nope")


def test_the_first_key_is_rsa_2048_and_created_once():
    from cryptography.hazmat.primitives import serialization

    first = keys.signing_key()

    assert keys.signing_key().pk == first.pk
    private = serialization.load_pem_private_key(first.private_key_pem.encode(), password=None)
    assert private.key_size == 2048
    assert first.name == "main-key"


def test_members_are_remembered_in_process_memory_for_a_minute(site_client, member, django_assert_num_queries):
    get_actor(site_client, "federation", "alice", "application/activity+json")
    get_actor(site_client, "federation", "nobody", "application/activity+json")

    with django_assert_num_queries(0):
        known = get_actor(site_client, "federation", "alice", "application/activity+json")
        unknown = get_actor(site_client, "federation", "nobody", "application/activity+json")

    assert known.status_code == 200
    assert unknown.status_code == 404


def test_a_deactivation_is_served_once_the_member_is_no_longer_remembered(site_client, member):
    get_actor(site_client, "federation", "alice", ACTOR_DOC)
    member.is_active = False
    member.save()
    assert get_actor(site_client, "federation", "alice", ACTOR_DOC).status_code == 200

    actors.forget_member("alice")  # what a minute does

    assert get_actor(site_client, "federation", "alice", ACTOR_DOC).status_code == 410
