"""
A profile URL (a WebFinger alias, what browsers show) leads to the actor when its document names an
id on the same host: that id is fetched once and must be an actor document at its own URL
(Mastodon's rule). Another host, or an alias of an alias, stays refused; the actor is kept under its
real id, and an activity naming an actor by an alias is refused.
"""

import json

import pytest

from apps.federation import hub
from apps.federation.models import APActivity, Follow, PeerActor
from apps.federation.peers.directory import lookup_or_fetch
from apps.federation.peers.discovery import ACCEPT, fetch
from apps.federation.peers.outcomes import BadActorDoc

from .peers import mastodon_doc, serve

ACTIVITY_JSON = "application/activity+json; charset=utf-8"

pytestmark = pytest.mark.usefixtures("private_allowed")


def paths(httpserver):
    return [request.path for request, _answer in httpserver.log]


@pytest.fixture
def bob(httpserver):
    """Bob's actor at its id, as Takahe names actors; return that id."""
    actor = httpserver.url_for("/@bob@takahe.test/")
    serve(httpserver, "/@bob@takahe.test/", mastodon_doc(actor, preferredUsername="bob"), ACTIVITY_JSON)
    return actor


@pytest.mark.django_db
def test_a_profile_url_on_the_actors_host_leads_to_the_actor_kept_under_its_id(httpserver, bob):
    profile = httpserver.url_for("/@bob/")
    serve(httpserver, "/@bob/", mastodon_doc(bob, preferredUsername="bob"), ACTIVITY_JSON)

    outcome = lookup_or_fetch(profile)

    assert outcome.ok, outcome.describe()
    assert (outcome.id, outcome.handle, outcome.inbox) == (bob, "bob@localhost", f"{bob}/inbox")
    assert list(PeerActor.objects.values_list("actor_url", flat=True)) == [bob]
    assert paths(httpserver) == ["/@bob/", "/@bob@takahe.test/"]
    assert {request.headers["Accept"] for request, _answer in httpserver.log} == {ACCEPT}
    # Asked again, by the alias or by the id, the cache answers: no request.
    assert lookup_or_fetch(profile) == outcome
    assert lookup_or_fetch(bob) == outcome
    assert len(httpserver.log) == 2


def test_an_alias_naming_another_host_is_refused_without_asking_it(httpserver):
    profile = httpserver.url_for("/@bob/")
    elsewhere = f"http://127.0.0.1:{httpserver.port}/users/bob"  # the same server, under another host name
    serve(httpserver, "/@bob/", mastodon_doc(elsewhere), ACTIVITY_JSON)
    serve(httpserver, "/users/bob", mastodon_doc(elsewhere), ACTIVITY_JSON)

    outcome = fetch(profile)

    assert isinstance(outcome, BadActorDoc)
    assert outcome.url == profile
    assert f"its id {elsewhere!r} is not the URL fetched" in outcome.reason
    assert paths(httpserver) == ["/@bob/"]


def test_an_alias_of_an_alias_is_refused(httpserver, bob):
    profile, middle = httpserver.url_for("/@bob/"), httpserver.url_for("/u/bob")
    serve(httpserver, "/@bob/", mastodon_doc(middle), ACTIVITY_JSON)
    serve(httpserver, "/u/bob", mastodon_doc(bob), ACTIVITY_JSON)

    outcome = fetch(profile)

    assert isinstance(outcome, BadActorDoc)
    assert outcome.url == profile
    assert "no chains" in outcome.reason
    assert paths(httpserver) == ["/@bob/", "/u/bob"]


def test_an_alias_whose_actor_fails_a_check_is_refused_with_that_reason(httpserver):
    profile, actor = httpserver.url_for("/@bob/"), httpserver.url_for("/users/bob")
    serve(httpserver, "/@bob/", mastodon_doc(actor), ACTIVITY_JSON)
    serve(httpserver, "/users/bob", mastodon_doc(actor), "text/html")

    outcome = fetch(profile)

    assert isinstance(outcome, BadActorDoc)
    assert "Content-Type 'text/html' is not an actor document" in outcome.reason


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_a_member_follows_by_profile_url_and_the_follow_names_the_actors_id(member, ana, httpserver):
    serve(httpserver, "/@ana", mastodon_doc(ana.id, preferredUsername="ana"), ACTIVITY_JSON)

    follow = hub.follow(member, httpserver.url_for("/@ana"))

    assert (follow.followee_url, follow.followee_peer.actor_url) == (ana.id, ana.id)
    assert Follow.objects.get().state == "pending"


@pytest.mark.django_db
def test_an_activity_naming_its_actor_by_an_alias_is_refused(ana, httpserver, blog):
    profile = httpserver.url_for("/@ana")
    serve(httpserver, "/@ana", mastodon_doc(ana.id, preferredUsername="ana"), ACTIVITY_JSON)
    follow = {**ana.activity("Follow", "http://blog.localhost/actors/blog"), "actor": profile}

    response = ana.post(blog, "http://blog.localhost/actors/blog/inbox", follow)

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "actor_not_id"
    assert not APActivity.objects.exists()
