"""WebFinger, NodeInfo and host-meta: answers for our own actors, refusals for anything else."""

import json

import pytest

pytestmark = pytest.mark.django_db


def webfinger(site_client, site, resource=None):
    query = {} if resource is None else {"resource": resource}
    return site_client(site).get("/.well-known/webfinger", query)


def test_webfinger_answers_for_the_site_actor_of_its_own_host(site_client):
    response = webfinger(site_client, "blog", "acct:blog@blog.localhost")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/jrd+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    jrd = json.loads(response.content)
    assert jrd["subject"] == "acct:blog@blog.localhost"
    assert {"rel": "self", "type": "application/activity+json", "href": "http://blog.localhost/actors/blog"} in jrd[
        "links"
    ]


@pytest.mark.parametrize("resource", ["acct:alice@federation.localhost", "acct:ALICE@federation.localhost"])
def test_webfinger_answers_for_a_member_on_the_federation_host(site_client, member, resource):
    response = webfinger(site_client, "federation", resource)

    assert response.status_code == 200
    assert json.loads(response.content)["subject"] == "acct:alice@federation.localhost"


def test_webfinger_accepts_the_actor_url_as_resource(site_client, member):
    response = webfinger(site_client, "federation", "http://federation.localhost/actors/alice")

    assert response.status_code == 200
    assert json.loads(response.content)["subject"] == "acct:alice@federation.localhost"


@pytest.mark.parametrize(
    ("site", "resource"),
    [
        ("blog", "acct:alice@blog.localhost"),  # members are on the federation host only
        ("blog", "acct:alice@federation.localhost"),  # another host's actor
        ("blog", "acct:market@market.localhost"),
        ("blog", "acct:blog@example.org"),
        ("federation", "acct:nobody@federation.localhost"),
        ("federation", "acct:@federation.localhost"),
        ("federation", "http://blog.localhost/actors/blog"),
        ("federation", "http://federation.localhost/admin/"),
        ("federation", "https://evil.example/actors/alice"),
        ("federation", "mailto:alice@federation.localhost"),
        ("federation", "alice@federation.localhost"),  # a resource is acct: or an actor URL
    ],
)
def test_webfinger_refuses_what_is_not_a_local_actor_of_its_host(site_client, member, site, resource):
    response = webfinger(site_client, site, resource)

    assert response.status_code == 404
    assert json.loads(response.content)["error"] == "resource_unknown"


def test_webfinger_without_a_resource_is_a_bad_request(site_client):
    response = webfinger(site_client, "blog")

    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "resource_missing"


def test_webfinger_for_a_removed_member_is_gone(site_client, member):
    member.is_active = False
    member.save()

    assert webfinger(site_client, "federation", "acct:alice@federation.localhost").status_code == 410


def test_nodeinfo_is_discovered_and_served(site_client, member):
    links = site_client("federation").get("/.well-known/nodeinfo").json()
    [link] = links["links"]
    assert link == {
        "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
        "href": "http://federation.localhost/nodeinfo/2.1",
    }

    response = site_client("federation").get("/nodeinfo/2.1")

    assert response["Content-Type"] == 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    info = json.loads(response.content)
    assert info["version"] == "2.1"
    assert info["software"]["name"] == "roseash"
    assert info["protocols"] == ["activitypub"]
    assert info["usage"]["users"]["total"] == 1
    assert info["openRegistrations"] is False


def test_host_meta_points_at_webfinger(site_client):
    response = site_client("market").get("/.well-known/host-meta")

    assert response["Content-Type"] == "application/xrd+xml; charset=utf-8"
    assert 'template="http://market.localhost/.well-known/webfinger?resource={uri}"' in response.content.decode()


def test_discovery_documents_refuse_writes(site_client):
    assert site_client("blog").post("/.well-known/webfinger?resource=acct:blog@blog.localhost").status_code == 405
