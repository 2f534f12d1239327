"""Composing, replying, liking and boosting from the hub_client: POST forms that redirect back with a message."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from apps.core.sites import get_site
from apps.federation.models import APActivity, Boost, Like, Note

from .hubdata import note_by

pytestmark = pytest.mark.django_db


def said(response):
    """Return the message this response left (earlier unread ones are still queued before it)."""
    return [str(message) for message in get_messages(response.wsgi_request)][-1:]


def test_composing_publishes_a_note_federates_it_and_comes_back(hub_client, member):
    response = hub_client.post("/compose", {"content": "Hello fediverse", "visibility": "public", "next": "/local"})

    assert response.status_code == 302
    assert response["Location"] == "/local"
    assert said(response) == ["Your post is published."]
    note = Note.objects.get()
    assert note.author_member == member
    assert note.is_local
    assert note.visibility == "public"
    assert note.content == "<p>Hello fediverse</p>"
    create = APActivity.objects.outbound().get(type="Create")
    assert create.object_id == note.object_id
    assert create.to_followers


def test_a_content_warning_and_followers_only_visibility_are_kept(hub_client):
    hub_client.post("/compose", {"content": "spoilers", "summary": "Film ending", "visibility": "followers"})
    note = Note.objects.get()
    assert (note.summary, note.visibility) == ("Film ending", "followers")
    assert APActivity.objects.get().payload["object"]["summary"] == "Film ending"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"content": "   ", "visibility": "public"}, "This field is required."),
        ({"content": "hi", "visibility": "everyone"}, "Select a valid choice."),
        ({"content": "x" * 5001, "visibility": "public"}, "at most 5000 characters"),
        ({"content": "hi", "summary": "s" * 501, "visibility": "public"}, "at most 500 characters"),
    ],
)
def test_bad_input_shows_the_form_with_its_errors_and_writes_nothing(hub_client, data, error):
    response = hub_client.post("/compose", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert 'class="errorlist' in response.content.decode()
    assert not Note.objects.exists()
    assert not APActivity.objects.exists()


def test_an_unsafe_next_falls_back_to_the_home(hub_client):
    for target in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        response = hub_client.post("/compose", {"content": "hi", "visibility": "public", "next": target})
        assert response["Location"] == "/"


def test_a_reply_is_threaded_under_its_parent_and_leads_back_to_it(hub_client, member, bob):
    parent = note_by(bob, "the question")

    response = hub_client.post(f"/notes/{parent.pk}/reply", {"content": "the answer", "visibility": "public"})

    assert response["Location"] == f"/notes/{parent.pk}"
    assert said(response) == ["Your reply is posted."]
    reply = Note.objects.get(author_member=member)
    assert reply.in_reply_to_note == parent
    assert reply.in_reply_to == parent.object_id
    parent.refresh_from_db()
    assert parent.reply_count == 1
    assert bob.notifications.get().kind == "reply"


def test_replying_to_a_post_one_may_not_see_is_404_and_writes_nothing(hub_client, bob):
    hidden = note_by(bob, "for followers", visibility=Note.Visibility.FOLLOWERS)
    assert hub_client.post(f"/notes/{hidden.pk}/reply", {"content": "hi", "visibility": "public"}).status_code == 404
    assert hub_client.get(f"/notes/{hidden.pk}/reply").status_code == 404
    assert Note.objects.count() == 1


def test_like_and_unlike_toggle_the_button_and_the_count(hub_client, member, bob):
    note = note_by(bob, "likeable")

    response = hub_client.post(f"/notes/{note.pk}/like", {"next": f"/notes/{note.pk}"})
    assert response["Location"] == f"/notes/{note.pk}"
    assert said(response) == ["Liked."]
    hub_client.post(f"/notes/{note.pk}/like")  # twice is once
    note.refresh_from_db()
    assert note.like_count == 1
    assert Like.objects.filter(actor_member=member).count() == 1
    page = hub_client.get(f"/notes/{note.pk}").content.decode()
    assert f'action="/notes/{note.pk}/unlike"' in page
    assert 'aria-pressed="true">Unlike' in page

    response = hub_client.post(f"/notes/{note.pk}/unlike")
    assert response["Location"] == "/"
    assert said(response) == ["Like withdrawn."]
    note.refresh_from_db()
    assert note.like_count == 0
    assert not Like.objects.exists()
    assert list(APActivity.objects.order_by("pk").values_list("type", flat=True)) == ["Like", "Undo"]


def test_boost_and_unboost(hub_client, bob):
    note = note_by(bob, "boostable")
    assert said(hub_client.post(f"/notes/{note.pk}/boost")) == ["Boosted to your followers."]
    note.refresh_from_db()
    assert note.boost_count == 1
    assert Boost.objects.count() == 1
    assert said(hub_client.post(f"/notes/{note.pk}/unboost")) == ["Boost withdrawn."]
    note.refresh_from_db()
    assert note.boost_count == 0
    assert not Boost.objects.exists()


def test_a_refusal_of_the_services_comes_back_as_an_error_message(hub_client, member):
    mine = note_by(member, "only for my followers", visibility=Note.Visibility.FOLLOWERS)
    response = hub_client.post(f"/notes/{mine.pk}/boost", {"next": "/"})
    assert response["Location"] == "/"
    assert said(response) == ["Posts for followers only cannot be boosted."]
    assert not Boost.objects.exists()
    assert not APActivity.objects.exists()


def test_reacting_to_a_post_one_may_not_see_is_404(hub_client, bob):
    hidden = note_by(bob, "for followers", visibility=Note.Visibility.FOLLOWERS)
    for verb in ["like", "unlike", "boost", "unboost"]:
        assert hub_client.post(f"/notes/{hidden.pk}/{verb}").status_code == 404
        assert hub_client.post(f"/notes/999999/{verb}").status_code == 404
    assert not Like.objects.exists()
    assert not Boost.objects.exists()


def test_actions_refuse_get_and_requests_without_the_csrf_token(member, bob):
    note = note_by(bob, "hi")
    client = Client(HTTP_HOST=get_site("federation").host, enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get(f"/notes/{note.pk}/like").status_code == 405
    assert client.post(f"/notes/{note.pk}/like").status_code == 403
    assert client.post("/compose", {"content": "hi", "visibility": "public"}).status_code == 403
    assert not Like.objects.exists()
    assert Note.objects.count() == 1
