"""The member's dashboard: profile (their fediverse actor), preferences, newsletters, only their own data."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from apps.account import services
from apps.account.models import Subscription
from apps.federation import services as federation
from apps.federation.models import APActivity, Follow
from roseash.celery import app as celery_app

from .dashboard import ADDRESS, newsletter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager(monkeypatch):
    """What a profile change queues (the Update's expansion) runs here, never on CI's broker."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", "a-long-pass-phrase")


@pytest.fixture
def account(site_client, member):
    return site_client("account", signed_in=member)


def png(size=(64, 64)):
    out = io.BytesIO()
    Image.new("RGB", size, "#b5476b").save(out, "PNG")
    return out.getvalue()


def updates():
    return APActivity.objects.filter(direction=APActivity.Direction.OUT, type="Update")


def test_a_visitor_sees_the_signboard_and_a_way_in(site_client):
    answer = site_client("account").get("/")
    assert answer.status_code == 200
    assert b"Sign in to your dashboard" in answer.content


def test_the_dashboard_shows_only_the_members_own_data(account, member, bob):
    services.remember_address(member, **ADDRESS)
    services.remember_address(bob, **{**ADDRESS, "line1": "99 Bob Street"})
    news = newsletter()
    Subscription.objects.create(newsletter=news, email=member.email, state="confirmed", requested_at=timezone.now())
    Subscription.objects.create(
        newsletter=newsletter(slug="bobs", name="Bob's digest"),
        email=bob.email,
        state="confirmed",
        requested_at=timezone.now(),
    )

    html = account.get("/").content.decode()

    assert "1 Rose Lane" in html
    assert "Rose Ash News" in html
    assert "99 Bob Street" not in html
    assert escape("Bob's digest") not in html
    assert "bob@example.org" not in html


def test_registered_sections_show_on_the_dashboard_for_the_member(account, member, monkeypatch):
    """The cart and events fill their sections through this registry; each sees only the member it is given."""
    seen = []

    def orders(request, who):
        seen.append(who)
        return "<p>Order #1 &middot; paid</p>"

    monkeypatch.setattr("apps.account.members.sections._sections", {})
    services.register_dashboard_section(services.DashboardSection("orders", "Your orders", orders, order=10))

    html = account.get("/").content.decode()

    assert '<section class="dashboard__section" id="section-orders">' in html
    assert "<p>Order #1 &middot; paid</p>" in html
    assert seen == [member]


def test_saving_the_profile_updates_the_actor_and_tells_its_followers(
    account, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        answer = account.post(
            "/profile/",
            {
                "display_name": "Alice of the Ash",
                "bio": "Grows roses.",
                "avatar": SimpleUploadedFile("me.png", png(), content_type="image/png"),
            },
        )
    assert answer.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Alice of the Ash"
    assert member.avatar.name.startswith(f"avatars/{member.pk}-")
    assert member.avatar.name.endswith(".png")

    update = updates().get()
    assert update.actor_url == federation.member_actor_url(member)
    assert update.to_followers
    document = update.payload["object"]
    assert document["name"] == "Alice of the Ash"
    assert "Grows roses." in document["summary"]
    assert document["icon"]["url"].endswith(member.avatar.name)

    actor = federation.actor_document(federation.local_actor("federation", "alice"), "activitystreams")
    assert actor["name"] == "Alice of the Ash"


def test_saving_an_unchanged_profile_sends_nothing(account, member):
    account.post("/profile/", {"display_name": "", "bio": ""})
    assert not updates().exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("evil.png", b"<html><script>alert(1)</script></html>", "is not a PNG, JPEG, GIF or WebP image"),
        ("me.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not a PNG"),
        ("cut.png", png()[:60], "not a PNG"),
    ],
)
def test_an_avatar_that_is_not_a_picture_is_refused_and_nothing_changes(account, member, name, content, reason):
    answer = account.post(
        "/profile/", {"display_name": "New name", "bio": "", "avatar": SimpleUploadedFile(name, content)}
    )
    assert answer.status_code == 400
    assert reason in answer.content.decode()
    member.refresh_from_db()
    assert member.display_name == ""
    assert not member.avatar
    assert not updates().exists()


def test_a_bio_too_long_is_refused(account, member):
    answer = account.post("/profile/", {"display_name": "", "bio": "x" * 501})
    assert answer.status_code == 400
    assert not updates().exists()


def test_preferences_are_saved(account, member):
    answer = account.post("/preferences/", {"notify_social": "on", "discoverable": ""})
    assert answer.status_code == 302
    member.refresh_from_db()
    assert (member.notify_orders, member.notify_social, member.discoverable, member.show_follows) == (
        False,
        True,
        False,
        False,
    )


def test_hiding_follows_empties_the_collections_pages_but_keeps_their_counts(
    account, site_client, member, django_capture_on_commit_callbacks
):
    alice = "http://federation.localhost/actors/alice"
    Follow.objects.create(follower_url="https://peer.example/users/p", followee_url=alice, state="accepted")
    Follow.objects.create(
        follower_url=alice, follower_member=member, followee_url="https://peer.example/users/q", state="accepted"
    )
    federation_site = site_client("federation")

    def collection(which, page=""):
        return json.loads(federation_site.get(f"/actors/alice/{which}{page}").content)

    assert collection("followers", "?page=1")["orderedItems"] == ["https://peer.example/users/p"]
    with django_capture_on_commit_callbacks(execute=True):  # the remembered actor is forgotten on commit
        account.post("/preferences/", {"notify_orders": "on", "discoverable": "on"})  # show_follows unticked

    for which in ("followers", "following"):
        assert collection(which)["totalItems"] == 1
        assert collection(which, "?page=1")["orderedItems"] == []
    assert not updates().exists()  # peers hold nothing of it
    with django_capture_on_commit_callbacks(execute=True):
        account.post("/preferences/", {"notify_orders": "on", "discoverable": "on", "show_follows": "on"})
    assert collection("following", "?page=1")["orderedItems"] == ["https://peer.example/users/q"]


def test_a_member_picks_newsletters_without_a_second_confirmation(account, member):
    news, digest = newsletter(), newsletter(slug="digest", name="Digest")
    account.post("/subscriptions/", {"newsletter": [news.pk, digest.pk]})
    assert set(
        Subscription.objects.filter(email=member.email, state="confirmed").values_list("newsletter__slug", flat=True)
    ) == {"news", "digest"}

    account.post("/subscriptions/", {"newsletter": [digest.pk]})
    assert Subscription.objects.get(newsletter=news).state == Subscription.State.UNSUBSCRIBED
    assert Subscription.objects.get(newsletter=digest).state == Subscription.State.CONFIRMED


@pytest.mark.parametrize("path", ["/", "/profile/", "/preferences/", "/subscriptions/", "/addresses/", "/data/"])
def test_every_dashboard_page_answers_a_member(account, path):
    assert account.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/profile/", "/preferences/", "/subscriptions/", "/addresses/", "/data/"])
def test_the_dashboard_pages_need_a_member(site_client, path):
    answer = site_client("account").get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/auth/login")


def test_the_dashboard_costs_the_same_queries_for_few_or_many_rows(account, member):
    services.remember_address(member, **ADDRESS)
    account.get("/")  # warm the header's cached fragments
    with CaptureQueriesContext(connection) as few:
        account.get("/")
    for n in range(8):
        services.remember_address(member, **{**ADDRESS, "line1": f"{n} Many Street"})
        Subscription.objects.create(
            newsletter=newsletter(slug=f"n{n}", name=f"N{n}"), email=member.email, requested_at=timezone.now()
        )
    with CaptureQueriesContext(connection) as many:
        assert account.get("/").status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_leaving_directories_is_published_in_the_actor_document(account, member):
    account.post("/preferences/", {"notify_orders": "on", "discoverable": ""})
    assert updates().get().payload["object"]["discoverable"] is False
    actor = federation.actor_document(federation.local_actor("federation", "alice"), "activitystreams")
    assert actor["discoverable"] is False

    account.post("/preferences/", {"notify_orders": "", "discoverable": ""})
    assert updates().count() == 1  # a change that peers do not see sends nothing


def test_a_new_avatar_replaces_the_old_file(account, member, django_capture_on_commit_callbacks):
    names = []
    for _ in range(2):
        upload = SimpleUploadedFile("me.png", png(), content_type="image/png")
        with django_capture_on_commit_callbacks(execute=True):
            account.post("/profile/", {"display_name": "", "bio": "", "avatar": upload})
        member.refresh_from_db()
        names.append(member.avatar.name)
    first = names[0]
    assert member.avatar.name != first
    assert member.avatar.storage.exists(member.avatar.name)
    assert not member.avatar.storage.exists(first)

    with django_capture_on_commit_callbacks(execute=True):
        account.post("/profile/", {"display_name": "", "bio": "", "remove_avatar": "on"})
    member.refresh_from_db()
    assert not member.avatar
    assert updates().count() == 3
