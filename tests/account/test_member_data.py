"""A member's own data: the JSON export and the deletion of the account, each behind the password."""

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken

from apps.account import services
from apps.account.models import Address, SSOSession, Subscription
from apps.federation import services as federation
from apps.federation.models import APActivity, Delivery, Follow, PeerActor
from apps.federation.outbound.outbox import expand

from .dashboard import ADDRESS, newsletter

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", PASSWORD)


@pytest.fixture
def account(site_client, member):
    return site_client("account", signed_in=member)


@pytest.fixture
def alice_data(member, bob):
    """Alice's rows across the apps, and some of Bob's that must not leak into hers."""
    services.remember_address(member, **ADDRESS)
    services.remember_address(bob, **{**ADDRESS, "line1": "99 Bob Street"})
    Subscription.objects.create(
        newsletter=newsletter(), email=member.email, state="confirmed", requested_at=timezone.now()
    )
    peer = PeerActor.objects.create(
        actor_url="https://elsewhere.example/users/bo",
        handle="bo@elsewhere.example",
        inbox="https://elsewhere.example/users/bo/inbox",
        shared_inbox="https://elsewhere.example/inbox",
        fetched_at=timezone.now(),
    )
    alice_url = federation.member_actor_url(member)
    Follow.objects.create(
        follower_url=peer.actor_url,
        followee_url=alice_url,
        followee_member=member,
        follower_peer=peer,
        state=Follow.State.ACCEPTED,
        activity_id="https://elsewhere.example/follows/1",
    )
    Follow.objects.create(
        follower_url=alice_url,
        followee_url=peer.actor_url,
        follower_member=member,
        followee_peer=peer,
        state=Follow.State.ACCEPTED,
        activity_id=f"{alice_url}/follows/1",
    )
    return peer


def test_the_export_holds_the_members_data_and_no_one_elses(account, member, alice_data):
    answer = account.post("/data/export/", {"password": PASSWORD})

    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith('attachment; filename="roseash-alice-')
    assert answer["Cache-Control"] == "no-store"
    data = json.loads(answer.content)
    assert data["member"]["username"] == "alice"
    assert data["member"]["email"] == "alice@example.org"
    assert [a["line1"] for a in data["addresses"]] == ["1 Rose Lane"]
    assert [s["newsletter"] for s in data["newsletter_subscriptions"]] == ["Rose Ash News"]
    assert data["fediverse"]["handle"] == "alice@federation.localhost"
    assert data["fediverse"]["following"] == [alice_data.actor_url]
    assert data["fediverse"]["followers"] == [alice_data.actor_url]
    assert "99 Bob Street" not in answer.content.decode()
    assert "bob@example.org" not in answer.content.decode()


def test_other_apps_add_their_part_to_the_export(member, monkeypatch):
    monkeypatch.setattr("apps.account.members.data._providers", {})
    services.register_member_data(services.MemberDataProvider("orders", export=lambda who: [{"member": who.pk}]))
    assert services.export_member_data(member, PASSWORD)["orders"] == [{"member": member.pk}]


def test_a_wrong_password_exports_nothing(account):
    answer = account.post("/data/export/", {"password": "not-it"})
    assert answer.status_code == 403
    assert answer["Content-Type"].startswith("text/html")
    assert b"That is not your password." in answer.content


def test_a_wrong_password_deletes_nothing(account, member):
    answer = account.post("/data/delete/", {"password": "not-it", "confirm": "on"})
    assert answer.status_code == 403
    member.refresh_from_db()
    assert member.is_active
    assert member.deleted_at is None


def test_deletion_needs_the_box_ticked(account, member):
    assert account.post("/data/delete/", {"password": PASSWORD}).status_code == 403
    member.refresh_from_db()
    assert member.is_active


def test_deleting_the_account_anonymises_sends_delete_and_signs_out_everywhere(
    account, site_client, member, bob, alice_data, monkeypatch
):
    # Alice is signed in on two more sites and has an OAuth token, as after single sign-on.
    sso = SSOSession.objects.create(user=member)
    blog = site_client("blog")
    blog.force_login(member)
    application = Application.objects.create(
        name="x", client_type="confidential", authorization_grant_type="authorization-code"
    )
    expires = timezone.now() + timedelta(hours=1)
    token = AccessToken.objects.create(user=member, token="a" * 40, application=application, expires=expires)
    RefreshToken.objects.create(user=member, token="r" * 40, application=application, access_token=token)
    bobs_token = AccessToken.objects.create(user=bob, token="b" * 40, application=application, expires=expires)
    bob_session = site_client("blog")
    bob_session.force_login(bob)
    erased = []
    monkeypatch.setattr("apps.account.members.data._providers", {})
    services.register_member_data(
        services.MemberDataProvider("orders", export=lambda who: [], erase=lambda who: erased.append(who.pk))
    )
    actor_url = federation.member_actor_url(member)

    answer = account.post("/data/delete/", {"password": PASSWORD, "confirm": "on"})

    assert answer.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    assert member.deleted_at is not None
    assert member.username == "alice"  # the handle stays taken
    assert member.email == f"deleted-{member.pk}@deleted.invalid"
    assert (member.first_name, member.display_name, member.bio) == ("", "", "")
    assert not member.has_usable_password()
    assert not Address.objects.filter(member=member).exists()
    assert not Subscription.objects.filter(email="alice@example.org").exists()
    assert Address.objects.filter(member=bob).exists()
    assert erased == [member.pk]  # the cart's hook anonymises orders in the same transaction

    delete = APActivity.objects.get(direction=APActivity.Direction.OUT, type="Delete")
    assert delete.actor_url == actor_url
    assert delete.payload["object"] == actor_url
    assert delete.to_followers
    assert not Follow.objects.filter(follower_member=member).exists()

    sso.refresh_from_db()
    assert sso.ended_at is not None
    assert not AccessToken.objects.filter(user=member).exists()
    assert not RefreshToken.objects.filter(user=member).exists()
    assert AccessToken.objects.filter(pk=bobs_token.pk).exists()
    signed_in = {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()}
    assert str(member.pk) not in signed_in
    assert str(bob.pk) in signed_in
    assert blog.get("/").wsgi_request.user.is_anonymous
    assert account.get("/profile/").status_code == 302
    with pytest.raises(services.RoseAshError) as gone:
        federation.local_actor("federation", "alice")
    assert gone.value.status == 410


def test_an_outbound_delete_reaches_the_followers_inbox(member, alice_data, django_capture_on_commit_callbacks):
    """The Delete is expanded to the followers' inboxes like any outbound activity."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.delete_account(member, PASSWORD)
    assert callbacks  # the expansion is queued once committed
    activity = APActivity.objects.get(type="Delete")
    expand(activity.pk)
    assert list(Delivery.objects.values_list("inbox", flat=True)) == ["https://elsewhere.example/inbox"]
