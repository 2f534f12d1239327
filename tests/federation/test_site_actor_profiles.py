"""
Site actors' faces: the profile staff edit in the admin (name, summary, icon, header, fields), the
documents and page that show it, the one ``Update`` each change sends to followers, the pictures
refused, and the demo icons.
"""

import io
import json
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from apps.core.errors import RoseAshError
from apps.core.sites import all_sites
from apps.federation import actors, site_profiles
from apps.federation.models import APActivity, Delivery, Follow, PeerActor, SiteActorProfile
from apps.federation.vocabulary import ACTIVITY_JSON, ACTOR_DOC

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

BLOG = "http://blog.localhost/actors/blog"
CHANGELIST = "/admin/federation/siteactorprofile/"


def picture(size=(64, 64), image_format="PNG", colour="#b5476b"):
    """Return the bytes of a real image."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, image_format)
    return out.getvalue()


def noise_png(side):
    """Return a PNG of random pixels, which does not compress: about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(3 * side * side)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def admin_client(site_client, steward):
    return site_client("federation", signed_in=steward)


def change_url(site):
    return f"{CHANGELIST}{SiteActorProfile.objects.get(site=site).pk}/change/"


def form_data(site, *, fields=None, **values):
    """The admin change form's POST for ``site``: its current values, ``values`` changed, and the fields inline."""
    row = SiteActorProfile.objects.get(site=site)
    stored = list(row.profile_fields.all())
    pairs = [(field.name, field.value) for field in stored] if fields is None else fields
    data = {
        "name": row.name,
        "summary": row.summary,
        "profile_fields-TOTAL_FORMS": str(max(len(pairs), len(stored))),
        "profile_fields-INITIAL_FORMS": str(len(stored)),
        "profile_fields-MIN_NUM_FORMS": "0",
        "profile_fields-MAX_NUM_FORMS": "4",
        **values,
    }
    for index, existing in enumerate(stored):
        data[f"profile_fields-{index}-id"] = str(existing.pk)
        data[f"profile_fields-{index}-profile"] = str(row.pk)
        if index >= len(pairs):
            data[f"profile_fields-{index}-DELETE"] = "on"
    for index, (name, value) in enumerate(pairs):
        data[f"profile_fields-{index}-name"] = name
        data[f"profile_fields-{index}-value"] = value
    return data


def follower(url, inbox, shared_inbox=""):
    peer = PeerActor.objects.create(
        actor_url=url,
        inbox=inbox,
        shared_inbox=shared_inbox,
        document_format="activitystreams",
        fetched_at=timezone.now(),
    )
    Follow.objects.create(
        follower_url=url, followee_url=BLOG, follower_peer=peer, state=Follow.State.ACCEPTED, activity_id=url + "#f"
    )


def updates():
    return APActivity.objects.outbound().filter(type="Update")


def form_errors(response):
    return response.context["adminform"].form.errors


# --- The admin ------------------------------------------------------------------------------------


def test_the_admin_lists_the_six_site_actors_before_anyone_edited_one(admin_client):
    listed = admin_client.get(CHANGELIST).context["cl"].result_list

    assert sorted(row.site for row in listed) == sorted(site.name for site in all_sites())
    assert [row.site for row in admin_client.get(CHANGELIST, {"q": "market"}).context["cl"].result_list] == ["market"]
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_an_admin_edit_stores_the_profile_and_sends_one_update_per_follower_inbox(
    admin_client, private_allowed, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/inbox", method="POST").respond_with_data("", status=202)
    httpserver.expect_request("/users/carl/inbox", method="POST").respond_with_data("", status=202)
    shared = httpserver.url_for("/inbox")
    follower(httpserver.url_for("/users/ana"), httpserver.url_for("/users/ana/inbox"), shared)
    follower(httpserver.url_for("/users/bea"), httpserver.url_for("/users/bea/inbox"), shared)
    follower(httpserver.url_for("/users/carl"), httpserver.url_for("/users/carl/inbox"))
    data = form_data(
        "blog",
        name="The Rose Ash Blog",
        summary="Stories from the cooperative.",
        icon=SimpleUploadedFile("face.png", picture(), content_type="image/png"),
        header=SimpleUploadedFile("banner.jpg", picture((300, 100), "JPEG"), content_type="image/jpeg"),
        fields=[("Website", "https://blog.example/")],
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url("blog"), data)

    assert response.status_code == 302, form_errors(response)
    profile = SiteActorProfile.objects.get(site="blog")
    assert (profile.name, profile.summary) == ("The Rose Ash Blog", "Stories from the cooperative.")
    assert [(field.name, field.value) for field in profile.profile_fields.all()] == [
        ("Website", "https://blog.example/")
    ]
    assert profile.icon.name.startswith("site_actors/blog/icon-")
    assert profile.icon.name.endswith(".png")
    assert profile.header.name.endswith(".jpg")
    assert default_storage.exists(profile.icon.name)
    (update,) = updates()
    assert update.actor_url == BLOG
    assert update.payload["object"]["id"] == BLOG
    assert update.payload["object"]["icon"]["url"] == f"http://blog.localhost/media/{profile.icon.name}"
    assert update.payload["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert sorted(Delivery.objects.values_list("inbox", "state")) == [
        (shared, "delivered"),
        (httpserver.url_for("/users/carl/inbox"), "delivered"),
    ]
    posted = [json.loads(request.data) for request, _response in httpserver.log]
    assert [(body["type"], body["object"]["name"]) for body in posted] == [("Update", "The Rose Ash Blog")] * 2


def test_saving_the_admin_form_without_a_change_sends_nothing(admin_client, django_capture_on_commit_callbacks):
    site_profiles.update_profile("blog", summary="Stories.", fields=[("Posts", "Weekly")])
    before = updates().count()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url("blog"), form_data("blog"))

    assert response.status_code == 302, form_errors(response)
    assert updates().count() == before


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("page.png", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'),
        ("bitmap.png", picture(image_format="BMP")),  # an image, but not one peers are sure to show
        ("cut.png", picture()[:60]),  # a PNG cut short
    ],
)
def test_a_file_that_is_not_a_picture_we_take_is_refused_with_a_form_error(admin_client, filename, content):
    data = form_data("blog", icon=SimpleUploadedFile(filename, content, content_type="image/png"))

    response = admin_client.post(change_url("blog"), data)

    assert response.status_code == 200
    assert "icon" in form_errors(response)
    assert not SiteActorProfile.objects.get(site="blog").icon
    assert not updates().exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (noise_png(900), "a picture may be at most 2048 KiB"),  # about 2.4 MB
        (picture((5000, 10)), "at most 4096 on each side"),
    ],
)
def test_an_oversize_picture_is_refused_with_a_form_error(admin_client, content, message):
    data = form_data("blog", header=SimpleUploadedFile("big.png", content, content_type="image/png"))

    response = admin_client.post(change_url("blog"), data)

    assert message in " ".join(form_errors(response)["header"])
    assert not SiteActorProfile.objects.get(site="blog").header
    assert not updates().exists()


def test_a_summary_or_fields_over_the_limits_are_refused(admin_client):
    too_long = admin_client.post(change_url("blog"), form_data("blog", summary="x" * 501))
    too_many = admin_client.post(change_url("blog"), form_data("blog", fields=[("a", "1")] * 5))

    assert "summary" in form_errors(too_long)
    assert too_many.status_code == 200
    assert "Please submit at most 4 forms." in too_many.content.decode()
    with pytest.raises(RoseAshError, match="at most 500 characters"):
        site_profiles.update_profile("blog", summary="x" * 501)
    with pytest.raises(RoseAshError, match="at most 4 fields"):
        site_profiles.update_profile("blog", fields=[("a", "1")] * 5)
    assert SiteActorProfile.objects.get(site="blog").summary == ""
    assert not updates().exists()


# --- What peers and people see ----------------------------------------------------------------------


@pytest.fixture
def faced_blog(django_capture_on_commit_callbacks):
    """The blog actor with an icon, a header, a two-paragraph summary and two fields (one a link)."""
    with django_capture_on_commit_callbacks(execute=True):
        return site_profiles.update_profile(
            "blog",
            name="Rose Ash Blog",
            summary="Stories & <recipes>.\n\nEvery week.",
            icon=ContentFile(picture(), name="icon.png"),
            header=ContentFile(picture((300, 100), "WEBP"), name="header.webp"),
            fields=[("Website", "https://blog.example/"), ("Motto", "<b>grow</b> & share")],
        )


def test_the_activitystreams_document_carries_icon_image_summary_and_attachment(site_client, faced_blog):
    doc = site_client("blog").get("/actors/blog", HTTP_ACCEPT=ACTIVITY_JSON).json()

    assert doc["icon"] == {
        "type": "Image",
        "mediaType": "image/png",
        "url": f"http://blog.localhost/media/{faced_blog.icon.name}",
    }
    assert doc["image"] == {
        "type": "Image",
        "mediaType": "image/webp",
        "url": f"http://blog.localhost/media/{faced_blog.header.name}",
    }
    assert doc["summary"] == "<p>Stories &amp; &lt;recipes&gt;.</p>\n\n<p>Every week.</p>"
    assert doc["attachment"] == [
        {
            "type": "PropertyValue",
            "name": "Website",
            "value": '<a href="https://blog.example/" rel="me nofollow noopener noreferrer" target="_blank">'
            "https://blog.example/</a>",
        },
        {"type": "PropertyValue", "name": "Motto", "value": "&lt;b&gt;grow&lt;/b&gt; &amp; share"},
    ]
    assert {"PropertyValue": "schema:PropertyValue", "value": "schema:value", "schema": "http://schema.org#"} in doc[
        "@context"
    ]


def test_the_compact_document_carries_name_summary_and_icon(site_client, faced_blog):
    doc = json.loads(site_client("blog").get("/actors/blog", HTTP_ACCEPT=ACTOR_DOC).content)

    assert doc["name"] == "Rose Ash Blog"
    assert doc["summary"] == "Stories & <recipes>.\n\nEvery week."
    assert doc["icon"] == f"http://blog.localhost/media/{faced_blog.icon.name}"


def test_an_actor_without_a_profile_keeps_the_defaults_and_no_pictures(site_client):
    doc = site_client("market").get("/actors/market", HTTP_ACCEPT=ACTIVITY_JSON).json()
    compact = json.loads(site_client("market").get("/actors/market", HTTP_ACCEPT=ACTOR_DOC).content)

    assert doc["name"] == "Rose Ash Market"
    assert doc["summary"] == "<p>The market site of the Rose Ash cooperative.</p>"
    assert not {"icon", "image", "attachment"} & set(doc)
    assert "icon" not in compact


def test_the_profile_page_shows_the_icon_header_summary_and_fields(site_client, faced_blog):
    page = site_client("blog").get("/actors/blog", HTTP_ACCEPT="text/html").content.decode()

    assert f'<img class="actor__icon" src="http://blog.localhost/media/{faced_blog.icon.name}"' in page
    assert f'src="http://blog.localhost/media/{faced_blog.header.name}"' in page
    assert "<p>Stories &amp; &lt;recipes&gt;.</p>" in page
    assert '<a href="https://blog.example/" rel="me nofollow noopener noreferrer">https://blog.example/</a>' in page
    assert "&lt;b&gt;grow&lt;/b&gt; &amp; share" in page


def test_the_pictures_are_served_at_their_urls_on_the_sites_host(site_client, faced_blog):
    response = site_client("blog").get(f"/media/{faced_blog.icon.name}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == picture()


def test_this_process_serves_a_change_at_once_and_remembers_the_actor_between_changes(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    assert actors.site_actor("blog").display_name == "Rose Ash Blog"
    with django_assert_num_queries(0):
        actors.site_actor("blog")

    with django_capture_on_commit_callbacks(execute=True):
        site_profiles.update_profile("blog", name="The Blog")

    assert actors.site_actor("blog").display_name == "The Blog"


def test_a_replaced_picture_file_is_deleted_once_the_change_is_committed(
    faced_blog, django_capture_on_commit_callbacks
):
    old = faced_blog.icon.name

    with django_capture_on_commit_callbacks(execute=True):
        new = site_profiles.update_profile("blog", icon=ContentFile(picture(colour="#3f7d4e"), name="new.png"))

    assert new.icon.name != old
    assert default_storage.exists(new.icon.name)
    assert not default_storage.exists(old)


def test_update_profile_changes_nothing_and_sends_nothing_when_the_values_are_the_same(faced_blog):
    before = updates().count()

    site_profiles.update_profile("market", icon="", header="")  # no pictures to remove
    site_profiles.update_profile(
        "blog", name="Rose Ash Blog", fields=[("Website", "https://blog.example/"), ("Motto", "<b>grow</b> & share")]
    )

    assert updates().count() == before


def test_update_profile_refuses_a_site_we_do_not_have():
    with pytest.raises(RoseAshError) as refused:
        site_profiles.update_profile("bakery", name="Bakery")
    assert refused.value.status == 404


# --- Demo data --------------------------------------------------------------------------------------


def test_seed_demo_gives_each_site_actor_an_icon_and_a_summary_once(settings, site_client):
    settings.DEBUG = True  # demo data is for development servers (the test runner turns DEBUG off)

    call_command("seed_demo")
    first = {row.site: (row.icon.name, row.summary) for row in SiteActorProfile.objects.all()}
    sent = updates().count()
    call_command("seed_demo")

    assert {row.site: (row.icon.name, row.summary) for row in SiteActorProfile.objects.all()} == first
    assert updates().count() == sent == len(all_sites())
    assert all(icon and summary for icon, summary in first.values())
    doc = site_client("events").get("/actors/events", HTTP_ACCEPT=ACTIVITY_JSON).json()
    assert doc["icon"]["url"] == f"http://events.localhost/media/{first['events'][0]}"
    assert doc["attachment"][0]["name"] == "Website"
