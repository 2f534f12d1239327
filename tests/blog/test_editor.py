"""The staff editor on the blog site: who gets in, what each button does, and what it refuses."""

import datetime
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.blog import services
from apps.blog.editor import PICTURE_MAX_BYTES as MAX_BYTES
from apps.blog.models import Post, Revision
from apps.core.sites import get_site
from apps.federation.models import APActivity

pytestmark = pytest.mark.django_db

EDITOR = "/editor/"
NEW = "/editor/new/"
PICTURES = "/editor/pictures/"
AUTOSAVE = "/editor/autosave/"


@pytest.fixture
def staff_client(site_client, steward):
    return site_client("blog", signed_in=steward)


@pytest.fixture
def writer(django_user_model):
    """Staff who may change posts, and nothing more: not a superuser."""
    user = django_user_model.objects.create_user("wren", "wren@example.org", "a-long-pass-phrase", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_post"))
    return user


def form(**fields):
    return {
        "title": "",
        "slug": "",
        "excerpt": "",
        "body": "",
        "tag_names": "",
        "feature_image_url": "",
        "feature_image_alt": "",
        "seo_title": "",
        "seo_description": "",
        "publish_at": "",
        **fields,
    }


def picture(size=(40, 30), image_format="PNG"):
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, image_format)
    return out.getvalue()


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- who gets in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [EDITOR, NEW, "/editor/1/"])
def test_a_visitor_is_sent_to_sign_in(site_client, url):
    response = site_client("blog").get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/auth/login?next={url}")


@pytest.mark.parametrize(("method", "url"), [("get", EDITOR), ("get", NEW), ("post", PICTURES), ("post", AUTOSAVE)])
def test_a_member_who_is_not_staff_is_refused(site_client, member, method, url):
    client = site_client("blog")
    client.force_login(member)

    response = getattr(client, method)(url)

    assert response.status_code == 403


def test_visitors_cannot_upload_nor_autosave(site_client):
    client = site_client("blog")
    upload = client.post(PICTURES, {"file": SimpleUploadedFile("a.png", picture())})
    saved = client.post(AUTOSAVE, json.dumps({"title": "Sneaky"}), content_type="application/json")

    assert (upload.status_code, saved.status_code) == (302, 302)
    assert Post.objects.count() == 0


def test_staff_with_the_right_to_change_posts_see_every_post(site_client, writer, published_post):
    client = site_client("blog")
    client.force_login(writer)
    draft = services.create_post(title="Cider notes")

    response = client.get(EDITOR)

    assert response.status_code == 200
    assert [post.pk for post in response.context["posts"]] == [draft.pk, published_post.pk]
    assert "Cider notes" in response.content.decode()


def test_the_list_takes_the_same_number_of_queries_for_more_posts(staff_client, django_assert_num_queries):
    services.create_post(title="One", author_ids=[])
    staff_client.get(EDITOR)  # the session and the user, once
    with django_assert_num_queries(4) as few:
        staff_client.get(EDITOR)
    for title in ("Two", "Three", "Four"):
        services.create_post(title=title)
    with django_assert_num_queries(len(few.captured_queries)):
        staff_client.get(EDITOR)


# --- the buttons ---------------------------------------------------------------------------------


def test_save_draft_creates_a_cleaned_draft_by_the_staff_member_with_its_tags(staff_client, steward):
    response = staff_client.post(
        NEW,
        form(
            title="Pressing day",
            body='<h2>Juice</h2><p onclick="x()">Sweet<script>bad()</script></p>',
            tag_names="Cider, Harvest",
            excerpt="Forty litres.",
            seo_title="Pressing",
            feature_image_url="https://images.example/press.jpg",
            feature_image_alt="The press",
            action="save",
        ),
    )

    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/editor/{post.pk}/"
    assert (post.status, post.slug, post.body) == ("draft", "pressing-day", "<h2>Juice</h2><p>Sweet</p>")
    assert sorted(tag.name for tag in post.tags.all()) == ["Cider", "Harvest"]
    assert list(post.authors.all()) == [steward]
    assert (post.seo_title, post.feature_image_alt) == ("Pressing", "The press")
    assert said(response) == ["“Pressing day” is saved."]
    assert APActivity.objects.count() == 0


def test_saving_again_keeps_a_revision(staff_client):
    post = services.create_post(title="Pressing", body="<p>Juice</p>")

    staff_client.post(f"/editor/{post.pk}/", form(title="Pressing day", slug="pressing", body="<p>Juice!</p>"))

    assert Revision.objects.get().title == "Pressing"
    assert Post.objects.get().body == "<p>Juice!</p>"


def test_publish_publishes_and_federates(staff_client):
    post = services.create_post(title="Pressing")

    response = staff_client.post(f"/editor/{post.pk}/", form(title="Pressing", action="publish"))

    post.refresh_from_db()
    assert post.is_live
    assert said(response) == ["“Pressing” is published."]
    assert list(APActivity.objects.values_list("type", flat=True)) == ["Create"]


def test_publish_from_a_new_post_writes_and_publishes_it_at_once(staff_client):
    response = staff_client.post(NEW, form(title="Straight out", action="publish"))

    assert Post.objects.get().is_live
    assert said(response) == ["“Straight out” is published."]


def test_schedule_sets_publish_at_and_does_not_publish(staff_client):
    post = services.create_post(title="Later")
    when = timezone.localtime() + datetime.timedelta(days=2)

    response = staff_client.post(
        f"/editor/{post.pk}/", form(title="Later", publish_at=when.strftime("%Y-%m-%dT%H:%M"), action="schedule")
    )

    post.refresh_from_db()
    assert (post.status, post.published_at) == ("scheduled", None)
    assert post.publish_at.replace(second=0, microsecond=0) == when.replace(second=0, microsecond=0)
    assert said(response)[0].startswith("“Later” is scheduled for ")
    assert APActivity.objects.count() == 0


def test_unpublish_takes_a_post_back_to_draft_and_sends_a_delete(staff_client, published_post):
    response = staff_client.post(
        f"/editor/{published_post.pk}/", form(title="Apple harvest", slug="apple-harvest", action="unpublish")
    )

    published_post.refresh_from_db()
    assert (published_post.status, published_post.published_at) == ("draft", None)
    assert said(response) == ["“Apple harvest” is unpublished: it is a draft again."]
    assert list(APActivity.objects.order_by("pk").values_list("type", flat=True)) == ["Create", "Delete"]


# --- refusals ------------------------------------------------------------------------------------


def test_an_empty_title_is_refused_and_nothing_is_written(staff_client):
    response = staff_client.post(NEW, form(body="<p>Words</p>", action="publish"))

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Post.objects.count() == 0


def test_a_duplicate_slug_is_refused_with_the_services_reason(staff_client, published_post):
    response = staff_client.post(NEW, form(title="Another", slug="apple-harvest", action="save"))

    assert response.status_code == 400
    assert "choose another slug" in response.content.decode()
    assert Post.objects.count() == 1


def test_a_schedule_in_the_past_changes_nothing(staff_client):
    post = services.create_post(title="Late")
    past = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = staff_client.post(f"/editor/{post.pk}/", form(title="Late, renamed", publish_at=past, action="schedule"))

    post.refresh_from_db()
    assert response.status_code == 400
    assert "A post is scheduled for a time to come" in response.content.decode()
    assert (post.title, post.status) == ("Late", "draft")  # the edit is undone with the refusal


def test_a_schedule_without_a_date_is_refused(staff_client):
    response = staff_client.post(NEW, form(title="When?", action="schedule"))

    assert response.status_code == 400
    assert "Give the date and time the post should go out." in response.content.decode()
    assert Post.objects.count() == 0


# --- pictures ------------------------------------------------------------------------------------


def test_a_picture_is_stored_under_a_name_the_server_made_and_its_url_answered(staff_client):
    response = staff_client.post(
        PICTURES, {"file": SimpleUploadedFile("../../evil name.gif", picture(image_format="JPEG"))}
    )

    assert response.status_code == 201
    url = response.json()["url"]
    origin = get_site("blog").origin
    assert url.startswith(f"{origin}/media/blog/")
    assert url.endswith(".jpg")  # its real format, whatever its name said
    assert "evil" not in url
    with default_storage.open(url.removeprefix(f"{origin}/media/")) as stored:
        assert stored.read() == picture(image_format="JPEG")


@pytest.mark.parametrize(
    ("upload", "code", "message"),
    [
        (SimpleUploadedFile("page.png", b"<html><script>alert(1)</script></html>"), "image_invalid", "not a PNG"),
        (SimpleUploadedFile("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>'), "image_invalid", "not a PNG"),
        (SimpleUploadedFile("huge.png", b"\x89PNG" + b"0" * MAX_BYTES), "image_too_big", "at most 2048 KiB"),
    ],
)
def test_a_file_that_is_not_a_picture_we_take_is_refused_with_its_reason(staff_client, upload, code, message):
    response = staff_client.post(PICTURES, {"file": upload})

    assert response.status_code == 400
    assert response.json()["error"] == code
    assert message in response.json()["message"]


def test_an_upload_without_a_file_is_refused(staff_client):
    response = staff_client.post(PICTURES, {})

    assert (response.status_code, response.json()["error"]) == (400, "file_missing")


def test_a_picture_too_wide_is_refused(staff_client):
    response = staff_client.post(PICTURES, {"file": SimpleUploadedFile("wide.png", picture((5000, 1)))})

    assert (response.status_code, response.json()["error"]) == (400, "image_too_large")


# --- autosave ------------------------------------------------------------------------------------


def autosave(client, **fields):
    return client.post(AUTOSAVE, json.dumps(fields), content_type="application/json")


def test_autosave_creates_a_draft_then_updates_it(staff_client, steward):
    first = autosave(staff_client, title="Half written", body="<p>Once</p>")
    post = Post.objects.get()
    second = autosave(staff_client, post=post.pk, title="Half written", body="<p>Once upon</p>")

    post.refresh_from_db()
    assert first.status_code == second.status_code == 200
    assert first.json()["edit_url"] == f"/editor/{post.pk}/"
    assert (post.status, post.body, list(post.authors.all())) == ("draft", "<p>Once upon</p>", [steward])
    assert APActivity.objects.count() == 0


def test_autosave_never_publishes_whatever_it_is_sent(staff_client):
    post = services.create_post(title="Draft")

    response = autosave(staff_client, post=post.pk, title="Draft", status="published", published_at="2020-01-01")

    post.refresh_from_db()
    assert response.json()["status"] == post.status == "draft"
    assert post.published_at is None


def test_autosave_leaves_a_published_post_alone(staff_client, published_post):
    response = autosave(staff_client, post=published_post.pk, title="Changed behind their back")

    published_post.refresh_from_db()
    assert response.status_code == 409
    assert published_post.title == "Apple harvest"
    assert list(APActivity.objects.values_list("type", flat=True)) == ["Create"]


def test_autosave_refuses_an_empty_title_and_garbage(staff_client):
    assert autosave(staff_client, title="").json()["error"] == "title_empty"
    assert staff_client.post(AUTOSAVE, "{", content_type="application/json").status_code == 400
    assert autosave(staff_client, post="1; drop", title="x").status_code == 400
    assert Post.objects.count() == 0


def test_autosave_of_a_post_that_does_not_exist_is_404(staff_client):
    response = autosave(staff_client, post=404, title="Ghost")

    assert (response.status_code, response.json()["error"]) == (404, "post_unknown")
    assert Post.objects.count() == 0


def test_autosave_needs_the_csrf_token(site_client, steward):
    client = site_client("blog", enforce_csrf_checks=True)
    client.force_login(steward)

    response = autosave(client, title="Forged")

    assert response.status_code == 403
    assert Post.objects.count() == 0


# --- the admin uses the same editor --------------------------------------------------------------


def test_the_admin_and_the_editor_page_load_the_editor_from_static_files_only(staff_client, published_post):
    for url in (f"/admin/blog/post/{published_post.pk}/change/", f"/editor/{published_post.pk}/"):
        page = staff_client.get(url).content.decode()

        assert '<script src="/static/js/blog-editor.js" type="module"></script>' in page
        assert "/static/django_prose_editor/editor.css" in page
        assert "data-blog-editor=" in page
        assert "importmap" not in page
