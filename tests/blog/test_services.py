"""Writing, publishing and taking back posts: the services' rules and refusals."""

import datetime

import pytest
from django.utils import timezone

from apps.blog import services
from apps.blog.models import FormerSlug, Post, Revision, Tag
from apps.blog.tasks import publish_due_posts_task
from apps.core.errors import RoseAshError

pytestmark = pytest.mark.django_db


def test_a_new_post_is_a_draft_with_a_slug_made_from_its_title():
    post = services.create_post(title="Spring Market: what's new", body="<p>Hi</p>", tags=["Market", "News"])

    assert (post.status, post.slug, post.published_at) == ("draft", "spring-market-whats-new", None)
    assert sorted(post.tags.values_list("slug", flat=True)) == ["market", "news"]


@pytest.mark.parametrize("title", ["", "   ", "<b></b>"])
def test_a_post_without_a_title_is_refused(title):
    with pytest.raises(RoseAshError) as refused:
        services.create_post(title=title, body="<p>Body</p>")

    assert refused.value.code == "title_empty"
    assert not Post.objects.exists()


def test_a_slug_another_post_has_is_refused_with_a_clear_error():
    services.create_post(title="News", slug="news")
    other = services.create_post(title="Other")

    with pytest.raises(RoseAshError) as refused:
        services.update_post(other.pk, slug="news")

    assert refused.value.code == "slug_taken"
    assert "choose another slug" in refused.value.message
    assert Post.objects.get(pk=other.pk).slug == "other"
    with pytest.raises(RoseAshError, match="already has the address"):
        services.create_post(title="News")


def test_publishing_refuses_a_post_whose_title_was_emptied_and_changes_nothing():
    post = services.create_post(title="Draft")
    Post.objects.filter(pk=post.pk).update(title="")

    with pytest.raises(RoseAshError) as refused:
        services.publish_post(post.pk)

    assert refused.value.code == "title_empty"
    assert Post.objects.get(pk=post.pk).status == "draft"


def test_an_unknown_post_or_author_is_refused():
    with pytest.raises(RoseAshError) as refused:
        services.publish_post(999)
    assert (refused.value.code, refused.value.status) == ("post_unknown", 404)
    with pytest.raises(RoseAshError, match="must be a member"):
        services.create_post(title="By nobody", author_ids=[999])


def test_the_body_is_cleaned_of_scripts_handlers_javascript_links_and_styles():
    dirty = (
        '<h2 style="color:red" onclick="steal()">Heading</h2><script>alert(1)</script>'
        '<p onmouseover="x()">Text <a href="javascript:alert(1)">bad</a> <a href="https://ok.example/">ok</a>'
        ' <a href="mailto:a@example.org">mail</a></p><img src="https://img.example/a.jpg" alt="A" onerror="x()">'
        '<img src="javascript:alert(1)"><ul><li>one</li></ul><blockquote>quote</blockquote>'
    )

    body = services.create_post(title="Clean", body=dirty).body

    for gone in ("<script", "alert(1)", "onclick", "onmouseover", "onerror", "style=", "javascript:"):
        assert gone not in body
    for kept in (
        "<h2>Heading</h2>",
        'href="https://ok.example/"',
        'href="mailto:a@example.org"',
        "<ul><li>one</li></ul>",
    ):
        assert kept in body
    assert 'src="https://img.example/a.jpg" alt="A"' in body
    assert "<blockquote>quote</blockquote>" in body


def test_an_edit_keeps_a_revision_which_can_be_restored():
    post = services.create_post(title="First", body="<p>one</p>")
    services.update_post(post.pk, title="Second", body="<p>two</p>")
    services.update_post(post.pk, featured=True)  # no text changed: no revision

    revision = Revision.objects.get()
    assert (revision.title, revision.body) == ("First", "<p>one</p>")

    restored = services.restore_revision(revision.pk)

    assert (restored.title, restored.body) == ("First", "<p>one</p>")
    assert list(Revision.objects.values_list("title", flat=True)) == ["Second", "First"]
    with pytest.raises(RoseAshError, match="no revision"):
        services.restore_revision(999)


def test_a_renamed_post_keeps_its_old_slug_until_another_post_takes_it():
    post = services.create_post(title="Old name")
    services.update_post(post.pk, slug="new-name")
    assert list(FormerSlug.objects.values_list("slug", "post")) == [("old-name", post.pk)]

    services.create_post(title="Old name")

    assert not FormerSlug.objects.exists()


def test_scheduling_refuses_a_time_past_or_without_a_zone():
    post = services.create_post(title="Later")

    with pytest.raises(RoseAshError, match="time to come"):
        services.schedule_post(post.pk, timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(RoseAshError, match="time zone"):
        services.schedule_post(post.pk, datetime.datetime(2099, 1, 1))
    assert Post.objects.get(pk=post.pk).status == "draft"


def test_the_task_publishes_posts_whose_time_has_come_once(django_capture_on_commit_callbacks):
    due = services.create_post(title="Due")
    later = services.create_post(title="Later")
    services.schedule_post(due.pk, timezone.now() + datetime.timedelta(minutes=5))
    services.schedule_post(later.pk, timezone.now() + datetime.timedelta(days=1))
    Post.objects.filter(pk=due.pk).update(publish_at=timezone.now() - datetime.timedelta(seconds=1))

    assert publish_due_posts_task() == 1
    assert publish_due_posts_task() == 0

    due.refresh_from_db()
    assert (due.status, due.publish_at) == ("published", None)
    assert due.published_at is not None
    assert Post.objects.get(pk=later.pk).status == "scheduled"
    assert list(services.live_posts()) == [due]


def test_a_tag_is_made_once_and_needs_letters():
    assert services.tag_named("Co-op News") == services.tag_named("co-op news")
    assert Tag.objects.count() == 1
    with pytest.raises(RoseAshError, match="letters or digits"):
        services.tag_named("!!!")
