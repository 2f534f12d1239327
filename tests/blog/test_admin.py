"""Staff work on posts in the admin, through the same services: cleaning, revisions, federation."""

import datetime

import pytest
from django.utils import timezone

from apps.blog import services
from apps.blog.models import BlogSettings, Post, Revision
from apps.federation.models import APActivity

pytestmark = pytest.mark.django_db

POSTS = "/admin/blog/post/"


@pytest.fixture
def admin_client(site_client, steward):
    return site_client("blog", signed_in=steward)


def form(**fields):
    return {
        "title": "",
        "slug": "",
        "excerpt": "",
        "body": "",
        "publish_at_0": "",
        "publish_at_1": "",
        "feature_image_url": "",
        "feature_image_alt": "",
        "feature_image_caption": "",
        "seo_title": "",
        "seo_description": "",
        "canonical_url": "",
        "revisions-TOTAL_FORMS": "0",
        "revisions-INITIAL_FORMS": "0",
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "0",
        **fields,
    }


def test_adding_a_post_cleans_its_body_and_editing_keeps_a_revision(admin_client, member):
    added = admin_client.post(
        f"{POSTS}add/",
        form(
            title="Pressing",
            slug="pressing",
            body='<p onclick="x()">Juice<script>bad()</script></p>',
            authors=[member.pk],
        ),
    )
    post = Post.objects.get()
    assert added.status_code == 302
    assert (post.body, list(post.authors.all()), post.status) == ("<p>Juice</p>", [member], "draft")

    admin_client.post(f"{POSTS}{post.pk}/change/", form(title="Pressing day", slug="pressing", body="<p>Juice</p>"))

    assert Revision.objects.get().title == "Pressing"
    assert Post.objects.get().title == "Pressing day"


def test_the_admin_refuses_a_duplicate_slug_and_an_empty_title(admin_client, published_post):
    duplicate = admin_client.post(f"{POSTS}add/", form(title="Another", slug="apple-harvest"))
    untitled = admin_client.post(f"{POSTS}add/", form(slug="untitled"))

    assert duplicate.status_code == untitled.status_code == 200
    assert "Post with this Slug already exists." in duplicate.content.decode()
    assert "This field is required." in untitled.content.decode()
    assert Post.objects.count() == 1


def test_publish_and_unpublish_actions_federate_through_the_services(admin_client):
    drafts = [services.create_post(title=title) for title in ("One", "Two")]
    ids = [str(post.pk) for post in drafts]

    admin_client.post(POSTS, {"action": "publish", "_selected_action": ids})
    assert set(Post.objects.values_list("status", flat=True)) == {"published"}
    admin_client.post(POSTS, {"action": "unpublish", "_selected_action": ids[:1]})

    assert list(Post.objects.order_by("pk").values_list("status", flat=True)) == ["draft", "published"]
    assert sorted(APActivity.objects.outbound().values_list("type", flat=True)) == ["Create", "Create", "Delete"]


def test_the_publish_action_reports_a_post_it_cannot_publish(admin_client):
    post = services.create_post(title="Untitled soon")
    Post.objects.filter(pk=post.pk).update(title="")

    response = admin_client.post(POSTS, {"action": "publish", "_selected_action": [post.pk]}, follow=True)

    assert "A post needs a title." in response.content.decode()
    assert Post.objects.get().status == "draft"


def test_deleting_a_published_post_in_the_admin_sends_a_delete(admin_client, published_post):
    admin_client.post(f"{POSTS}{published_post.pk}/delete/", {"post": "yes"})

    assert not Post.objects.exists()
    assert list(APActivity.objects.outbound().order_by("pk").values_list("type", flat=True)) == ["Create", "Delete"]


def test_a_revision_is_restored_by_the_admin_action(admin_client, published_post):
    services.update_post(published_post.pk, body="<p>Edited</p>")
    revision = Revision.objects.get()

    admin_client.post("/admin/blog/revision/", {"action": "restore", "_selected_action": [revision.pk]})

    assert Post.objects.get().body == "<p>We picked forty crates.</p>"
    assert APActivity.objects.outbound().filter(type="Update").count() == 2


def test_staff_search_and_filter_posts(admin_client, published_post):
    services.create_post(title="Draft about bread", featured=True)

    found = admin_client.get(POSTS, {"q": "apple"})
    drafts = admin_client.get(POSTS, {"status__exact": "draft"})
    tagged = admin_client.get(POSTS, {"tags__id__exact": published_post.tags.get().pk})
    featured = admin_client.get(POSTS, {"featured__exact": "1"})

    assert [post.title for post in found.context["cl"].result_list] == ["Apple harvest"]
    assert [post.title for post in drafts.context["cl"].result_list] == ["Draft about bread"]
    assert [post.title for post in tagged.context["cl"].result_list] == ["Apple harvest"]
    assert [post.title for post in featured.context["cl"].result_list] == ["Draft about bread"]
    assert "Harvest" in found.content.decode()  # the tags column
    assert admin_client.get(f"{POSTS}{published_post.pk}/change/").status_code == 200
    assert admin_client.get("/admin/blog/tag/").status_code == 200


def test_the_post_list_holds_a_constant_number_of_queries(admin_client, django_assert_max_num_queries):
    admin_client.get(POSTS)
    for number in range(3):
        services.create_post(title=f"Post {number}", tags=["News", f"T{number}"])
    with django_assert_max_num_queries(20) as few:
        admin_client.get(POSTS)
    for number in range(3, 30):
        services.create_post(title=f"Post {number}", tags=["News", f"T{number}"])

    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(POSTS)


def test_a_publish_at_given_in_the_admin_schedules_the_post(admin_client):
    post = services.create_post(title="Later")
    when = timezone.localtime() + datetime.timedelta(days=2)

    admin_client.post(
        f"{POSTS}{post.pk}/change/",
        form(
            title="Later", slug="later", publish_at_0=when.strftime("%Y-%m-%d"), publish_at_1=when.strftime("%H:%M:%S")
        ),
    )

    post.refresh_from_db()
    assert post.status == "scheduled"
    assert post.publish_at == when.replace(microsecond=0)
    assert not APActivity.objects.exists()


def test_staff_switch_posts_to_notes_in_the_blog_settings_and_cannot_add_a_second_row(admin_client):
    settings_url = "/admin/blog/blogsettings/"

    added = admin_client.post(f"{settings_url}add/", {"federate_as": "Note"})
    post = services.create_post(title="Sent as a note")
    services.publish_post(post.pk)

    assert added.status_code == 302
    assert APActivity.objects.get(type="Create").payload["object"]["type"] == "Note"
    assert admin_client.get(f"{settings_url}add/").status_code == 403
    assert admin_client.post(f"{settings_url}1/change/", {"federate_as": "Article"}).status_code == 302
    assert BlogSettings.objects.get().federate_as == "Article"
