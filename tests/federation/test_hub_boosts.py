"""
The home timeline shows a boost at the time it happened: an old post boosted now comes first,
"Boosted by" its booster, while paging by cursor stays exact and a page costs the same queries.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.federation import actors, hub
from apps.federation.models import Boost

from .hubdata import follow_row, note_by, site_note

pytestmark = pytest.mark.django_db


def boost(actor_url, note, when=None):
    return Boost.objects.create(
        actor_url=actor_url, note=note, activity_id=f"{actor_url}/boosts/{note.pk}", created=when or timezone.now()
    )


def ago(**delta):
    return timezone.now() - timedelta(**delta)


@pytest.fixture
def blog(member):
    """The blog's actor URL; ``member`` follows it."""
    url = actors.site_actor("blog").id
    follow_row(member, url)
    return url


def test_an_old_post_boosted_now_comes_first_with_boosted_by(hub_client, member, bob, blog):
    old = note_by(bob, "written last year", published=ago(days=365))
    site_note("blog", "blog this morning", published=ago(hours=3))
    note_by(member, "mine an hour ago", published=ago(hours=1))
    boost(blog, old)

    page = hub_client.get("/").content.decode()

    first = page.index('<article class="note"')
    assert page.index("written last year") > first
    assert page.index("written last year") < page.index("mine an hour ago") < page.index("blog this morning")
    assert f'Boosted by <a href="{blog}">blog@blog.localhost</a>' in page[first : page.index("mine an hour ago")]
    assert [note.content for note in hub.home_timeline(member).items] == [
        "<p>written last year</p>",
        "<p>mine an hour ago</p>",
        "<p>blog this morning</p>",
    ]


def test_a_post_is_placed_at_its_newest_boost_by_someone_followed_only(member, bob, blog):
    market = actors.site_actor("market").id
    follow_row(member, market)
    twice = note_by(bob, "boosted twice", published=ago(days=9))
    boost(blog, twice, ago(days=5))
    boost(market, twice, ago(days=1))
    strangers = site_note("blog", "boosted by a stranger", published=ago(days=3))
    boost("https://far.example/users/x", strangers, ago(minutes=1))
    recent = note_by(member, "two days ago", published=ago(days=2))

    items = hub.home_timeline(member).items

    assert [note.pk for note in items] == [twice.pk, recent.pk, strangers.pk]
    assert [note.boosted_by for note in items] == [market, None, None]
    assert items[0].shown_at > items[1].shown_at


def test_paging_by_cursor_shows_every_post_once_in_boost_time_order(member, bob, blog):
    expected = []
    for n in range(12):
        # Old posts boosted recently, recent posts unboosted, and ties on the time: a mixed order.
        note = note_by(bob if n % 2 else member, f"post {n}", published=ago(days=30 - n))
        when = ago(hours=n) if n % 2 else note.published
        if n % 2:
            boost(blog, note, when)
        expected.append((when, note.pk))
    tied = note_by(member, "same instant as a boost", published=expected[1][0])
    expected.append((tied.published, tied.pk))
    expected.sort(reverse=True)

    seen, before = [], None
    while True:
        page = hub.home_timeline(member, before=before, limit=5)
        seen += [note.pk for note in page.items]
        if page.next_before is None:
            break
        before = page.next_before

    assert seen == [pk for _when, pk in expected]


def add_boosted_rows(member, bob, blog, count):
    for n in range(count):
        boost(blog, note_by(bob, f"old {n}", published=ago(days=100 + n)), ago(minutes=n))
        note_by(member, f"mine {n}", published=ago(hours=n))


def test_the_home_page_costs_the_same_queries_for_3_rows_as_for_30(hub_client, member, bob, blog):
    add_boosted_rows(member, bob, blog, 3)
    hub_client.get("/")  # the session and per-process memories warm up
    with CaptureQueriesContext(connection) as three:
        assert hub_client.get("/").status_code == 200
    cursor = hub.home_timeline(member, limit=2).next_before
    with CaptureQueriesContext(connection) as three_paged:
        assert hub_client.get(f"/?before={cursor}").status_code == 200

    add_boosted_rows(member, bob, blog, 27)
    with CaptureQueriesContext(connection) as thirty:
        response = hub_client.get("/")
    cursor = hub.home_timeline(member, limit=2).next_before
    with CaptureQueriesContext(connection) as thirty_paged:
        paged = hub_client.get(f"/?before={cursor}")

    assert response.status_code == paged.status_code == 200
    assert len(thirty.captured_queries) == len(three.captured_queries)
    assert len(thirty_paged.captured_queries) == len(three_paged.captured_queries)
    assert response.content.decode().count("Boosted by") > hub.PAGE_SIZE // 2  # old posts, up top
