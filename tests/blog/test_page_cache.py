"""Visitors' pages are kept and served without queries; a change shows at once; members get their own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.blog import services
from apps.core.pages.fragments import vary_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor(site_client):
    return site_client("blog")


@pytest.mark.parametrize("path", ["/", "/posts/apple-harvest/", "/tags/harvest/", "/feed/rss/", "/feed/atom/"])
def test_a_visitors_page_is_served_again_without_a_query(visitor, published_post, path, django_assert_num_queries):
    first = visitor.get(path)

    with django_assert_num_queries(0):
        again = visitor.get(path)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def test_a_published_post_shows_on_the_visitors_home_at_once(
    visitor, published_post, django_capture_on_commit_callbacks
):
    assert b"Pressing day" not in visitor.get("/").content
    post = services.create_post(title="Pressing day", body="<p>Cider.</p>")

    with django_capture_on_commit_callbacks(execute=True):
        services.publish_post(post.pk)

    assert b"Pressing day" in visitor.get("/").content


def test_an_unpublished_post_leaves_the_kept_pages_at_once(visitor, published_post, django_capture_on_commit_callbacks):
    assert visitor.get("/posts/apple-harvest/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish_post(published_post.pk)

    assert visitor.get("/posts/apple-harvest/").status_code == 404
    assert b"Apple harvest" not in visitor.get("/").content


def test_a_member_never_gets_a_visitors_kept_page(visitor, site_client, member, published_post):
    visitor.get("/")
    signed_in = site_client("blog")
    signed_in.force_login(member)

    page = signed_in.get("/").content.decode()

    assert "Sign out" in page
    assert "Sign out" not in visitor.get("/").content.decode()


# A visitor's basket, as the cart registers it: a fragment showing it makes the page theirs.
vary_key("tests_basket")(lambda request: request.COOKIES.get("tests_basket", ""))


def test_a_visitor_with_something_of_their_own_gets_their_own_page(visitor, published_post):
    visitor.get("/")  # kept for every visitor
    visitor.cookies["tests_basket"] = "b-1"

    with CaptureQueriesContext(connection) as built:
        visitor.get("/")
        queries = len(built)

    assert queries > 0
