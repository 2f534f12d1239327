"""The social hub's pages: who may see them, what timelines show, paging, and constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.federation import actors, hub
from apps.federation.models import Boost, Follow, Note

from .hubdata import follow_row, note_by, notification_for, site_note

pytestmark = pytest.mark.django_db

MEMBER_PAGES = [
    "/local",
    "/compose",
    "/notes/1",
    "/follow",
    "/followers",
    "/following",
    "/follow-requests",
    "/settings/followers",
    "/notifications",
]
MEMBER_ACTIONS = [
    "/compose",
    "/notes/1/reply",
    "/notes/1/like",
    "/notes/1/unlike",
    "/notes/1/boost",
    "/notes/1/unboost",
    "/follow",
    "/unfollow",
    "/follow-requests/1/approve",
    "/follow-requests/1/reject",
    "/settings/followers",
    "/notifications/read",
]


def text(response):
    return response.content.decode()


def test_a_visitor_sees_what_the_hub_is_and_a_sign_in_link(site_client):
    response = site_client("federation").get("/")
    assert response.status_code == 200
    assert "social home on the fediverse" in text(response)
    assert 'href="/auth/login?next=/"' in text(response)
    assert "<textarea" not in text(response)


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_a_visitor_is_sent_to_sign_in_from_every_member_page(site_client, path):
    response = site_client("federation").get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/auth/login?next={path}"


@pytest.mark.parametrize("path", MEMBER_ACTIONS)
def test_a_visitor_cannot_act_and_nothing_is_written(site_client, path):
    response = site_client("federation").post(path, {"content": "hi", "target": "@blog@blog.localhost"})
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login?next=")
    assert not Note.objects.exists()
    assert not Follow.objects.exists()


def test_the_home_timeline_shows_my_posts_and_those_of_whom_i_follow_with_boosts_named(hub_client, member, bob):
    blog = actors.site_actor("blog").id
    follow_row(member, blog)
    mine = note_by(member, "my own words")
    from_blog = site_note("blog", "blog news")
    boosted = note_by(bob, "bob wrote this")
    Boost.objects.create(actor_url=blog, note=boosted, activity_id=f"{blog}/boosts/1")
    site_note("market", "market news, not followed")
    note_by(bob, "bob unboosted")

    page = text(hub_client.get("/"))

    assert "my own words" in page
    assert "blog news" in page
    assert "bob wrote this" in page
    assert "market news" not in page
    assert "bob unboosted" not in page
    assert f'Boosted by <a href="{blog}">blog@blog.localhost</a>' in page
    assert f'href="/notes/{mine.pk}"' in page
    assert f'href="/notes/{from_blog.pk}"' in page
    assert 'action="/compose"' in page
    assert 'name="summary"' in page


def test_a_content_warning_hides_the_post_in_details_that_open_without_javascript(hub_client, member):
    note_by(member, "the spoiler", summary="Film ending")
    page = text(hub_client.get("/"))
    assert (
        '<details class="note__cw"><summary>Film ending</summary><div class="note__content"><p>the spoiler</p>' in page
    )


def test_the_local_timeline_shows_public_posts_of_our_sites_and_members_only(hub_client, bob):
    site_note("events", "events news")
    note_by(bob, "bob in public")
    note_by(bob, "bob unlisted", visibility=Note.Visibility.UNLISTED)
    note_by(bob, "bob for followers", visibility=Note.Visibility.FOLLOWERS)
    note_by(bob, "a remote post", is_local=False)

    page = text(hub_client.get("/local"))

    assert "events news" in page
    assert "bob in public" in page
    assert "unlisted" not in page
    assert "for followers" not in page
    assert "a remote post" not in page


def test_a_notes_page_shows_it_its_visible_replies_and_a_reply_form(hub_client, member, bob):
    parent = note_by(bob, "the question")
    note_by(member, "my answer", in_reply_to_note=parent)
    note_by(bob, "a private aside", in_reply_to_note=parent, visibility=Note.Visibility.FOLLOWERS)

    response = hub_client.get(f"/notes/{parent.pk}")

    page = text(response)
    assert response.status_code == 200
    assert "the question" in page
    assert "my answer" in page
    assert "a private aside" not in page
    assert f'action="/notes/{parent.pk}/reply"' in page


def test_a_followers_only_post_is_404_to_a_non_follower_and_shown_to_a_follower(hub_client, member, bob):
    hidden = note_by(bob, "for my followers", visibility=Note.Visibility.FOLLOWERS)
    assert hub_client.get(f"/notes/{hidden.pk}").status_code == 404
    assert hub_client.get("/notes/999999").status_code == 404

    follow_row(member, hub.member_actor_url(bob))
    assert "for my followers" in text(hub_client.get(f"/notes/{hidden.pk}"))


def test_lists_are_paged_by_a_before_cursor(hub_client, member):
    notes = [note_by(member, f"post number {n}") for n in range(hub.PAGE_SIZE + 5)]

    first = text(hub_client.get("/"))
    oldest_shown = notes[5]
    assert f'href="?before={oldest_shown.pk}"' in first
    assert "post number 24<" in first
    assert "post number 4<" not in first

    second = text(hub_client.get(f"/?before={oldest_shown.pk}"))
    assert "post number 4<" in second
    assert "post number 0<" in second
    assert "post number 5<" not in second
    assert 'rel="next"' not in second


@pytest.mark.parametrize("before", ["abc", "-1", "1e3"])
def test_a_bad_cursor_is_400(hub_client, before):
    assert hub_client.get(f"/?before={before}").status_code == 400


def add_rows(member, bob, count):
    """Give every list page ``count`` rows: notes (followed, boosted, replies), follows, requests, notifications."""
    blog = actors.site_actor("blog").id
    if not Follow.objects.filter(followee_url=blog).exists():
        follow_row(member, blog)
    me = hub.member_actor_url(member)
    root = Note.objects.filter(content="<p>root</p>").first() or note_by(member, "root")
    for n in range(count):
        boosted = note_by(bob, f"boosted {n}")
        Boost.objects.create(actor_url=blog, note=boosted, activity_id=f"{blog}/boosts/{boosted.pk}")
        reply = note_by(bob, f"reply {n}", in_reply_to_note=root)
        site_note("blog", f"blog {n}")
        notification_for(member, note=reply, actor_url=f"https://far.example/users/u{reply.pk}")
        follow_row(member, f"https://far.example/users/f{reply.pk}")
        Follow.objects.create(
            follower_url=f"https://far.example/users/r{reply.pk}",
            followee_url=me,
            followee_member=member,
            state=Follow.State.PENDING if n % 2 else Follow.State.ACCEPTED,
            activity_id=f"https://far.example/follows/{reply.pk}",
        )
    return root


@pytest.mark.parametrize(
    "path", ["/", "/local", "/notes/{root}", "/followers", "/following", "/follow-requests", "/notifications"]
)
def test_a_list_page_costs_the_same_queries_for_3_rows_as_for_30(
    hub_client, member, bob, path, django_assert_max_num_queries
):
    root = add_rows(member, bob, 3)
    url = path.format(root=root.pk)
    hub_client.get(url)  # the session and per-process memories warm up
    with CaptureQueriesContext(connection) as three:
        assert hub_client.get(url).status_code == 200

    add_rows(member, bob, 27)
    with django_assert_max_num_queries(len(three.captured_queries)):
        response = hub_client.get(url)
    assert response.status_code == 200
