"""Following from the hub_client: by handle or URL, lists, follow requests and the approval setting."""

import json
import re

import pytest
from django.contrib.messages import get_messages
from pytest_httpserver import HTTPServer

from apps.federation import actors, follow_policy, hub
from apps.federation.models import APActivity, Follow, FollowerPolicy

from .hubdata import follow_row
from .remote import RemoteActor

pytestmark = pytest.mark.django_db


@pytest.fixture
def far(private_allowed):
    """A peer server on 127.0.0.1: ``localhost`` is our own portal's host in tests, so not a peer's."""
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def ana(eager_tasks, far):
    """A Mastodon-style actor on a peer server whose shared inbox takes what we send."""
    actor = RemoteActor(far).serve()
    far.expect_request("/inbox", method="POST").respond_with_data("", status=202)
    return actor


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)][-1:]


def test_following_a_site_actor_by_handle_is_accepted_at_once_and_listed(hub_client, member):
    blog = actors.site_actor("blog")

    response = hub_client.post("/follow", {"target": f"@{blog.handle}"})

    assert response["Location"] == "/following"
    assert said(response) == [f"You follow @{blog.handle}."]
    row = Follow.objects.get(follower_member=member)
    assert (row.followee_url, row.state) == (blog.id, Follow.State.ACCEPTED)
    page = hub_client.get("/following").content.decode()
    assert f'<a class="actor-link" href="{blog.id}">{blog.handle}</a>' in page
    assert f'name="actor_url" value="{blog.id}"' in page


def test_following_a_remote_actor_by_url_sends_a_follow_and_waits_for_the_accept(
    hub_client, member, ana, far, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = hub_client.post("/follow", {"target": ana.id})

    assert said(response) == [f"Your follow request to {ana.id} is sent; it shows once they accept."]
    row = Follow.objects.get(follower_member=member)
    assert (row.followee_url, row.state, row.followee_peer.actor_url) == (ana.id, Follow.State.PENDING, ana.id)
    activity = APActivity.objects.outbound().get(type="Follow")
    assert activity.object_id == ana.id
    assert activity.deliveries.get().state == "delivered"
    delivered = [json.loads(request.get_data()) for request, _ in far.log if request.path == "/inbox"]
    assert [(sent["type"], sent["object"]) for sent in delivered] == [("Follow", ana.id)]


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("", "This field is required."),
        ("not a handle", "Give a handle like @name@example.org, or an actor URL."),
        ("@nobody@federation.localhost", "There is no @nobody@federation.localhost here."),
        ("@alice@federation.localhost", "You cannot follow yourself."),
    ],
)
def test_a_target_that_cannot_be_followed_is_shown_beside_the_field_and_nothing_is_written(hub_client, target, error):
    response = hub_client.post("/follow", {"target": target})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Follow.objects.exists()
    assert not APActivity.objects.exists()


def test_an_unreachable_remote_actor_is_an_error_beside_the_field(hub_client, far):
    far.expect_request("/users/gone").respond_with_data("", status=404)
    response = hub_client.post("/follow", {"target": far.url_for("/users/gone")})
    assert response.status_code == 400
    assert "could not be found" in response.content.decode()
    assert not Follow.objects.exists()


def test_unfollowing_removes_the_follow(hub_client, member):
    blog = actors.site_actor("blog").id
    follow_row(member, blog)
    response = hub_client.post("/unfollow", {"actor_url": blog, "next": "/following"})
    assert response["Location"] == "/following"
    assert said(response) == ["You no longer follow them."]
    assert not Follow.objects.exists()


def test_unfollow_with_a_bad_url_is_an_error_message(hub_client, member):
    follow_row(member, actors.site_actor("blog").id)
    response = hub_client.post("/unfollow", {"actor_url": "not a url"})
    assert response["Location"] == "/following"
    assert said(response) == ["Enter a valid URL."]
    assert Follow.objects.count() == 1


def test_the_followers_list_shows_who_follows_me(hub_client, member, bob):
    follow_row(bob, hub.member_actor_url(member), followee_member=member)
    follow_row(bob, actors.site_actor("blog").id)
    page = hub_client.get("/followers").content.decode()
    assert '<a class="actor-link" href="http://federation.localhost/actors/bob">bob</a>' in page
    assert page.count('class="actor-link"') == 1


def manual_request(member, bob):
    follow_policy.set_approves_manually(member, True)
    return hub.follow(bob, f"@{member.username}@federation.localhost")


def test_a_member_who_approves_manually_sees_requests_and_approves_one(hub_client, member, bob):
    request = manual_request(member, bob)
    assert request.state == Follow.State.PENDING

    page = hub_client.get("/follow-requests").content.decode()
    assert ">bob</a>" in page
    assert f'action="/follow-requests/{request.pk}/approve"' in page

    response = hub_client.post(f"/follow-requests/{request.pk}/approve")
    assert response["Location"] == "/follow-requests"
    assert said(response) == ["Follow request approved."]
    request.refresh_from_db()
    assert request.state == Follow.State.ACCEPTED
    assert "No follow requests wait for you." in hub_client.get("/follow-requests").content.decode()


def test_rejecting_a_request(hub_client, member, bob):
    request = manual_request(member, bob)
    assert said(hub_client.post(f"/follow-requests/{request.pk}/reject")) == ["Follow request rejected."]
    request.refresh_from_db()
    assert request.state == Follow.State.REJECTED


def test_another_members_follow_request_is_404_and_unchanged(hub_client, member, bob, django_user_model):
    carol = django_user_model.objects.create_user("carol", "carol@example.org", "a-long-pass-phrase")
    theirs = manual_request(carol, bob)
    for verb in ["approve", "reject"]:
        assert hub_client.post(f"/follow-requests/{theirs.pk}/{verb}").status_code == 404
    assert hub_client.post("/follow-requests/999999/approve").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Follow.State.PENDING


def test_the_setting_page_switches_between_automatic_and_manual_approval(hub_client, member):
    page = hub_client.get("/settings/followers").content.decode()
    assert re.search(r'value="automatic"[^>]* checked', page)
    assert not re.search(r'value="manual"[^>]* checked', page)

    response = hub_client.post("/settings/followers", {"policy": "manual"})
    assert response["Location"] == "/settings/followers"
    assert said(response) == ["You now approve each new follower yourself."]
    assert follow_policy.approves_manually(member.username) is True

    assert said(hub_client.post("/settings/followers", {"policy": "automatic"})) == [
        "New followers are now accepted automatically."
    ]
    assert follow_policy.approves_manually(member.username) is False


def test_the_setting_reaches_the_members_actor_document_at_once(hub_client, site_client):
    """Actor documents are remembered for a minute per process; the setting page forgets the member's."""

    def approves_manually(site, name):
        answer = site_client(site).get(f"/actors/{name}", HTTP_ACCEPT="application/activity+json")
        assert answer.status_code == 200
        return json.loads(answer.content)["manuallyApprovesFollowers"]

    assert approves_manually("federation", "alice") is False  # and now remembered

    hub_client.post("/settings/followers", {"policy": "manual"})
    assert approves_manually("federation", "alice") is True
    hub_client.post("/settings/followers", {"policy": "sometimes"})  # refused: nothing changes
    assert approves_manually("federation", "alice") is True
    hub_client.post("/settings/followers", {"policy": "automatic"})
    assert approves_manually("federation", "alice") is False
    assert approves_manually("blog", "blog") is False  # a site accepts everyone


def test_a_bad_setting_is_refused_and_nothing_changes(hub_client, member):
    response = hub_client.post("/settings/followers", {"policy": "sometimes"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not FollowerPolicy.objects.exists()
