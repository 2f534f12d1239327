"""Notifications in the hub_client, and the unread count every site's header shows."""

import pytest
from django.contrib.messages import get_messages

from apps.core.pages.fragments import FragmentContext, sign_fragment_request
from apps.federation import hub
from apps.federation.models import Notification

from .hubdata import note_by, notification_for

pytestmark = pytest.mark.django_db


def header(client):
    page = client.get("/").content.decode()
    return page.split('<div class="member">')[1].split("</div>")[0]


def test_each_kind_of_notification_is_listed_with_what_it_is_about(hub_client, member):
    note = note_by(member, "my words")
    for kind in Notification.Kind.values:
        notification_for(member, kind=kind, note=note if kind in ("like", "boost", "mention", "reply") else None)

    page = hub_client.get("/notifications").content.decode()

    for phrase in [
        "follows you.",
        "asks to follow you",
        "liked your post",
        "boosted your post",
        "mentioned you",
        "replied",
    ]:
        assert phrase in page
    assert f'href="/notes/{note.pk}">“my words”' in page
    assert page.count("notification--unread") == len(Notification.Kind.values)


def test_a_note_behind_a_content_warning_is_listed_by_its_warning(hub_client, member):
    note = note_by(member, "the butler did it")
    note.summary = "spoilers"
    note.save(update_fields=["summary"])
    notification_for(member, kind="reply", note=note)

    page = hub_client.get("/notifications").content.decode()
    assert "Content warning: spoilers" in page
    assert "butler" not in page


def test_the_unread_count_shows_in_the_header_of_every_site(site_client, member):
    notification_for(member)
    notification_for(member)
    for site in ["blog", "market", "cart", "events", "account", "federation"]:
        client = site_client(site)
        client.force_login(member)
        member_area = header(client)
        assert 'href="http://federation.localhost/notifications"' in member_area
        assert '<span class="badge">2<span class="visually-hidden"> unread</span></span>' in member_area


def test_a_visitor_has_no_notifications_link(site_client):
    assert "Notifications" not in header(site_client("blog"))


def test_marking_one_read_updates_the_count_on_every_site_at_once(hub_client, site_client, member):
    first, second = notification_for(member), notification_for(member)
    blog = site_client("blog")
    blog.force_login(member)
    assert '<span class="badge">2' in header(blog)  # now cached

    response = hub_client.post("/notifications/read", {"id": first.pk, "next": "/notifications"})

    assert response["Location"] == "/notifications"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Marked as read."]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert '<span class="badge">1' in header(blog)


def test_marking_all_read_clears_the_count(hub_client, site_client, member):
    notification_for(member)
    notification_for(member)
    blog = site_client("blog")
    blog.force_login(member)
    assert '<span class="badge">2' in header(blog)

    response = hub_client.post("/notifications/read")

    assert response["Location"] == "/notifications"
    assert hub.unread_count(member) == 0
    assert "badge" not in header(blog)
    assert "Notifications" in header(blog)


def test_another_members_notification_is_404_and_stays_unread(hub_client, member, bob):
    theirs = notification_for(bob)
    mine = notification_for(member)
    assert hub_client.post("/notifications/read", {"id": theirs.pk}).status_code == 404
    assert hub_client.post("/notifications/read", {"id": 999999}).status_code == 404
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.read_at is None
    assert mine.read_at is None


def test_a_bad_id_is_an_error_message_and_nothing_is_marked(hub_client, member):
    mine = notification_for(member)
    response = hub_client.post("/notifications/read", {"id": "x"})
    assert response["Location"] == "/notifications"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Enter a whole number."]
    mine.refresh_from_db()
    assert mine.read_at is None


def test_split_deployments_fetch_the_count_from_the_internal_endpoint(site_client, member):
    notification_for(member)
    path, headers = sign_fragment_request("federation.unread", FragmentContext({"user": str(member.pk)}))
    response = site_client("cart").get(path, headers=headers)
    assert response.status_code == 200
    assert b'<span class="badge">1<' in response.content

    path, headers = sign_fragment_request("federation.unread", FragmentContext({"user": ""}))
    assert site_client("cart").get(path, headers=headers).content == b""
