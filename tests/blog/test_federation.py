"""A post's life reaches the blog actor's followers: Create on publish, Update on edit, Delete on unpublish."""

import pytest
from django.test import override_settings

from apps.blog import services
from apps.blog.models import BlogSettings
from apps.federation import hub
from apps.federation.models import APActivity

BLOG = "http://blog.localhost/actors/blog"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

pytestmark = pytest.mark.django_db


def sent():
    return list(APActivity.objects.outbound().order_by("pk"))


def test_publishing_sends_a_create_of_an_article_from_the_blog_actor_to_its_followers(member, published_post):
    hub.follow(member, BLOG)  # after: the follow is an activity of the member's, not the blog's
    APActivity.objects.all().delete()
    post = services.create_post(
        title="Pressing day", excerpt="Cider.", body="<p>We <em>pressed</em>.</p>", tags=["Apple harvest"]
    )

    services.publish_post(post.pk)

    [create] = sent()
    obj = create.payload["object"]
    assert (create.type, create.actor_url, create.to_followers) == ("Create", BLOG, True)
    assert create.payload["to"] == [PUBLIC]
    assert (obj["type"], obj["name"], obj["summary"]) == ("Article", "Pressing day", "Cider.")
    assert obj["content"] == "<p>We <em>pressed</em>.</p>"
    assert obj["url"] == "http://blog.localhost/posts/pressing-day/"
    assert obj["attributedTo"] == BLOG
    assert obj["sensitive"] is False  # the excerpt is a summary, not a content warning
    assert obj["tag"] == [
        {"type": "Hashtag", "name": "#appleharvest", "href": "http://blog.localhost/tags/apple-harvest/"}
    ]


@override_settings(BLOG_FEDERATE_AS="Note")
def test_with_the_setting_a_post_goes_out_as_a_note_with_its_title_and_link():
    post = services.create_post(title="Fish & chips", excerpt="Friday.", body="<p>Long body</p>")

    services.publish_post(post.pk)

    [create] = sent()
    obj = create.payload["object"]
    assert obj["type"] == "Note"
    assert "name" not in obj
    assert "<strong>Fish &amp; chips</strong>" in obj["content"]
    assert '<a href="http://blog.localhost/posts/fish-chips/"' in obj["content"]
    assert "Long body" not in obj["content"]


def test_the_feature_image_goes_out_as_an_image_attachment_with_its_alt_text():
    post = services.create_post(
        title="Orchard",
        feature_image_url="https://images.example/orchard.webp",
        feature_image_alt="Rows of apple trees in May",
    )

    services.publish_post(post.pk)

    [create] = sent()
    assert create.payload["object"]["attachment"] == [
        {
            "type": "Image",
            "mediaType": "image/webp",
            "url": "https://images.example/orchard.webp",
            "name": "Rows of apple trees in May",
        }
    ]


def test_a_post_without_a_feature_image_has_no_attachment(published_post):
    assert "attachment" not in sent()[0].payload["object"]


@override_settings(BLOG_FEDERATE_AS="Article")
def test_staff_switching_to_note_in_the_blog_settings_wins_over_the_operators_default():
    BlogSettings.objects.create(federate_as="Note")
    post = services.create_post(title="Switched")

    services.publish_post(post.pk)

    assert sent()[0].payload["object"]["type"] == "Note"
    BlogSettings.objects.update(federate_as="")  # empty: back to the setting
    services.update_post(post.pk, body="<p>again</p>")
    assert sent()[-1].payload["object"]["type"] == "Article"


def test_editing_a_published_post_sends_an_update_and_a_draft_edit_sends_nothing(published_post):
    draft = services.create_post(title="Draft")
    services.update_post(draft.pk, body="<p>still a draft</p>")
    assert [activity.type for activity in sent()] == ["Create"]

    services.update_post(published_post.pk, body="<p>Forty-one crates.</p>")

    update = sent()[-1]
    assert (update.type, update.payload["object"]["content"]) == ("Update", "<p>Forty-one crates.</p>")


def test_unpublishing_sends_a_delete_and_publishing_again_a_create(published_post):
    services.publish_post(published_post.pk)  # published already: nothing sent
    services.unpublish_post(published_post.pk)
    services.unpublish_post(published_post.pk)  # twice: one Delete
    services.publish_post(published_post.pk)

    assert [activity.type for activity in sent()] == ["Create", "Delete", "Create"]
    assert sent()[1].payload["object"]["type"] == "Tombstone"


def test_deleting_a_published_post_sends_a_delete_and_a_draft_none(published_post):
    draft = services.create_post(title="Never out")
    services.delete_post(draft.pk)
    services.delete_post(published_post.pk)

    assert [activity.type for activity in sent()] == ["Create", "Delete"]


def test_a_static_page_is_not_federated():
    page = services.create_post(title="About us", is_page=True)

    services.publish_post(page.pk)

    assert sent() == []
