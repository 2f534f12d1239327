"""The blog site as visitors see it: lists, posts, pages, redirects, search, previews, SEO data."""

import datetime
import json
import re
import time

import pytest
from django.core import signing
from django.db import connection
from django.utils import timezone

from apps.blog import services
from apps.blog.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def blog(site_client):
    return site_client("blog")


def publish(title, **fields):
    return services.publish_post(services.create_post(title=title, **fields).pk)


def many_posts(start, count, member):
    for number in range(start, start + count):
        publish(f"Post {number}", tags=["News", f"Topic {number % 3}"], author_ids=[member.pk], featured=number < 2)


def test_the_home_page_shows_featured_and_latest_posts_and_announces_the_feeds(blog, member):
    publish("Quiet news", author_ids=[member.pk])
    publish("Big news", featured=True)
    services.create_post(title="Secret draft")

    page = blog.get("/").content.decode()

    assert page.index("Featured") < page.index("Big news") < page.index("Latest") < page.index("Quiet news")
    assert "Secret draft" not in page
    assert '<link rel="alternate" type="application/rss+xml" title="Rose Ash Blog (RSS)" href="/feed/rss/">' in page
    assert 'type="application/atom+xml"' in page


@pytest.mark.parametrize(
    "path", ["/", "/tags/news/", "/authors/alice/", "/?q=post", "/feed/rss/", "/feed/atom/", "/tags/news/feed/rss/"]
)
def test_lists_take_the_same_number_of_queries_for_3_posts_as_for_30(blog, member, path, django_assert_max_num_queries):
    many_posts(0, 3, member)
    with django_assert_max_num_queries(12) as few:
        assert blog.get(path).status_code == 200
    many_posts(3, 27, member)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = blog.get(path)

    assert response.status_code == 200


def test_pages_are_paginated(blog):
    for number in range(12):
        publish(f"Numbered {number:02}")

    second = blog.get("/?page=2").content.decode()

    assert "Numbered 01" in second
    assert "Numbered 00" in second
    assert "Numbered 02" not in second
    assert "Page 2 of 2" in second


def test_a_post_page_and_a_static_page(blog, published_post):
    publish("About us", is_page=True, body="<p>We are a cooperative.</p>")

    post = blog.get("/posts/apple-harvest/")
    about = blog.get("/pages/about-us/")

    assert post.status_code == 200
    assert "We picked forty crates." in post.content.decode()
    assert about.status_code == 200
    assert "We are a cooperative." in about.content.decode()
    assert blog.get("/posts/about-us/").status_code == 404
    assert "About us" not in blog.get("/").content.decode()


def test_drafts_and_scheduled_posts_are_404_to_visitors(blog):
    services.create_post(title="Draft")
    scheduled = services.create_post(title="Scheduled")
    services.schedule_post(scheduled.pk, timezone.now() + datetime.timedelta(hours=1))

    assert blog.get("/posts/draft/").status_code == 404
    assert blog.get("/posts/scheduled/").status_code == 404


def test_a_renamed_post_answers_its_old_address_with_301(blog, published_post):
    services.update_post(published_post.pk, slug="apple-harvest-2026")
    services.update_post(published_post.pk, slug="the-apple-harvest")

    for old in ("/posts/apple-harvest/", "/posts/apple-harvest-2026/"):
        response = blog.get(old)
        assert response.status_code == 301
        assert response["Location"] == "http://blog.localhost/posts/the-apple-harvest/"
    services.unpublish_post(published_post.pk)
    assert blog.get("/posts/apple-harvest/").status_code == 404


def test_tag_and_author_pages_list_their_posts_and_refuse_unknown_ones(blog, member, published_post):
    publish("Untagged")

    tagged = blog.get("/tags/harvest/").content.decode()
    by_alice = blog.get("/authors/alice/").content.decode()

    assert "Apple harvest" in tagged
    assert "Untagged" not in tagged
    assert "Apple harvest" in by_alice
    assert "Untagged" not in by_alice
    assert 'href="/tags/harvest/feed/rss/"' in tagged
    assert blog.get("/tags/nothing/").status_code == 404
    assert blog.get("/authors/nobody/").status_code == 404


def test_search_finds_posts_by_their_words(blog):
    publish("Cider pressing", body="<p>Apples go in, juice comes out.</p>")
    publish("Bread", body="<p>Sourdough.</p>")
    services.create_post(title="Draft about apples", body="<p>apples</p>")

    found = blog.get("/?q=apples").content.decode()

    assert "Cider pressing" in found
    assert "Bread" not in found
    assert "Draft about apples" not in found
    assert "Nothing here yet" in blog.get("/?q=zeppelin").content.decode()


@pytest.mark.postgresql(reason="full-text search with stemming and the GIN index")
def test_search_on_postgresql_stems_words_and_ranks_titles_first(blog):
    publish("Pressing apples", body="<p>apples</p>")
    publish("Orchard diary", body="<p>We pressed one apple.</p>")

    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "blog_post")
    assert indexes["blog_post_search"]["type"] == "gin"
    found = list(services.search_posts("apple pressing"))
    assert [post.title for post in found] == ["Pressing apples", "Orchard diary"]
    assert "Orchard diary" in blog.get("/?q=pressed+apple").content.decode()


def test_a_post_page_has_open_graph_and_escaped_json_ld(blog, member):
    member.first_name = "</script><script>alert(1)</script>"
    member.save()
    publish(
        "Less < more > & so",
        slug="tricky",
        excerpt="Tom & Jerry <b>",
        author_ids=[member.pk],
        feature_image_url="https://img.example/a.jpg",
        feature_image_alt="Apples",
    )

    page = blog.get("/posts/tricky/").content.decode()

    assert "<script>alert(1)" not in page
    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    data = json.loads(raw)
    assert data["@type"] == "BlogPosting"
    assert "<" not in raw
    assert ">" not in raw
    assert "&" not in raw
    assert data["headline"] == "Less < more > & so"
    assert data["description"] == "Tom & Jerry"
    assert data["url"] == "http://blog.localhost/posts/tricky/"
    assert data["author"] == [{"@type": "Person", "name": "</script><script>alert(1)</script>"}]
    assert '<meta property="og:title" content="Less &lt; more &gt; &amp; so">' in page
    assert '<meta property="og:image" content="https://img.example/a.jpg">' in page


def test_a_preview_link_shows_a_draft_until_it_expires(blog, monkeypatch):
    post = services.create_post(title="Coming soon", body="<p>Secret plans</p>")
    url = services.preview_url(post.pk)
    path = url.removeprefix("http://blog.localhost")

    shown = blog.get(path)
    assert shown.status_code == 200
    assert "Secret plans" in shown.content.decode()
    assert shown["X-Robots-Tag"] == "noindex"

    later = time.time() + (services.PREVIEW_MAX_AGE + datetime.timedelta(seconds=2)).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: later)
    expired = blog.get(path)
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()


def test_a_tampered_preview_link_is_refused(blog):
    draft = services.create_post(title="Draft one")
    other = services.create_post(title="Draft two", body="<p>Other</p>")
    token = services.preview_url(draft.pk).rstrip("/").rsplit("/", 1)[1]
    forged = f"{other.pk}:{token.split(':', 1)[1]}"
    unsalted = signing.TimestampSigner().sign(str(other.pk))

    for bad in (forged, unsalted, "garbage"):
        assert blog.get(f"/preview/{bad}/").status_code == 404
    assert Post.objects.count() == 2
