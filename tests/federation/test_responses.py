"""Replies and likes from the fediverse show under a blog post as comments, cleaned, in fixed queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.blog import services as blog
from apps.federation import hub
from apps.federation.models import Note

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def post():
    post = blog.create_post(title="Pressing day", body="<p>We pressed.</p>")
    return blog.publish_post(post.pk)


def article_id(post):
    return Note.objects.get(source=post.federation_source()).object_id


def reply(ana, post, content, **extra):
    return ana.activity("Create", ana.note(content, inReplyTo=article_id(post), **extra))


def test_a_peers_reply_shows_under_the_post_cleaned_and_its_like_is_counted(ana, send, blog_page, post):
    send(reply(ana, post, '<p onclick="x()">Lovely <script>alert(1)</script><a href="javascript:x()">cider</a></p>'))
    send(ana.activity("Like", article_id(post)))

    page = blog_page(post)

    assert "From the fediverse" in page
    assert "Lovely" in page
    assert "cider" in page
    for forbidden in ("<script", "onclick", "javascript:"):
        assert forbidden not in page.split("From the fediverse")[1]
    assert "1 like: " in page
    assert ana.id in page  # the comment links to its author


def test_a_followers_only_reply_is_not_a_public_comment(ana, send, blog_page, post):
    send(reply(ana, post, "<p>Just for my followers</p>", to=[f"{ana.id}/followers"], cc=[]))

    assert "Just for my followers" not in blog_page(post)


def test_a_members_reply_from_the_hub_shows_with_their_handle(member, blog_page, post):
    hub.compose_note(member, "Count me in", in_reply_to=Note.objects.get(source=post.federation_source()).pk)

    page = blog_page(post)

    assert "Count me in" in page
    assert f"@{member.username}@federation.localhost" in page


def test_a_deleted_reply_goes(ana, send, blog_page, post):
    created = reply(ana, post, "<p>Oops</p>")
    send(created)
    send(ana.activity("Delete", {"id": created["object"]["id"], "type": "Tombstone"}))

    assert "Oops" not in blog_page(post)


def test_the_post_page_makes_the_same_number_of_queries_for_one_reply_or_ten(
    ana, send, blog, post, django_assert_num_queries
):
    send(reply(ana, post, "<p>First</p>"))
    cache.clear()  # visitors' kept pages: each request below builds the page
    with CaptureQueriesContext(connection) as one:
        blog.get(post.get_absolute_url())
    queries = len(one)  # now: the log is reset by the next request
    for n in range(9):
        send(reply(ana, post, f"<p>More {n}</p>"))
    cache.clear()
    with django_assert_num_queries(queries):
        response = blog.get(post.get_absolute_url())
    assert response.content.decode().count('class="comment"') == 10


def test_a_page_or_a_draft_has_no_responses(post):
    draft = blog.create_post(title="Draft")
    assert blog.fediverse_responses(draft) is None
    assert blog.fediverse_responses(post).comments == []


@pytest.fixture
def blog_page(blog):
    def get(post):
        response = blog.get(post.get_absolute_url())
        assert response.status_code == 200
        return response.content.decode()

    return get
