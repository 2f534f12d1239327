"""``publish``/``update``/``delete`` of a ``Publishable`` object, and the public collections they fill."""

import contextlib
import json
import threading
from dataclasses import dataclass

import pytest
from celery.result import allow_join_result
from django.db import IntegrityError, connection, transaction

from apps.federation import hub, services
from apps.federation.models import APActivity, Boost, Follow, Like, Note

BLOG = "http://blog.localhost/actors/blog"
ACTIVITY_JSON = "application/activity+json"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@dataclass
class Post:
    """A stand-in for a blog post: the protocol is all federation knows of it."""

    pk: int
    title: str
    body: str

    def federation_site(self):
        return "blog"

    def federation_source(self):
        return f"blog.post:{self.pk}"

    def federation_object(self):
        return {
            "type": "Article",
            "name": self.title,
            "content": self.body,
            "url": f"http://blog.localhost/p/{self.pk}",
        }


def test_publish_update_delete_send_create_update_delete_to_the_site_actors_followers(member):
    hub.follow(member, BLOG)
    post = Post(1, "Hello", "<p>First</p>")

    note = services.publish(post)
    post.body = "<p>Edited</p>"
    services.update(post)
    services.delete(post)
    services.delete(post)  # twice: nothing more

    assert (note.author_url, note.author_site, note.kind, note.name) == (BLOG, "blog", "Article", "Hello")
    sent = list(APActivity.objects.outbound().order_by("pk").values_list("type", "actor_url", "to_followers"))
    assert sent == [("Create", BLOG, True), ("Update", BLOG, True), ("Delete", BLOG, True)]
    assert Note.objects.get().deleted is not None


def test_deleting_a_published_post_takes_back_its_likes_boosts_and_their_notifications(member):
    note = services.publish(Post(3, "Liked", "<p>liked</p>"))
    hub.like(member, note.pk)
    hub.boost(member, note.pk)
    assert Note.objects.filter(pk=note.pk, like_count=1, boost_count=1).exists()

    services.delete(Post(3, "Liked", "<p>liked</p>"))

    assert Note.objects.filter(pk=note.pk, like_count=0, boost_count=0, deleted__isnull=False).exists()
    assert not Like.objects.exists()
    assert not Boost.objects.exists()


def test_a_published_post_shows_in_a_followers_home_timeline(member):
    hub.follow(member, BLOG)
    note = services.publish(Post(2, "News", "<p>news</p>"))

    assert [item.pk for item in hub.home_timeline(member).items] == [note.pk]


def test_publish_refuses_an_object_without_the_protocol():
    with pytest.raises(TypeError):
        services.publish(object())


def test_outbox_followers_and_following_are_paged_ordered_collections(site_client, member, django_user_model):
    services.publish(Post(3, "One", "<p>1</p>"))
    for number in range(25):
        Follow.objects.create(
            follower_url=f"https://peer.example/users/u{number}",
            followee_url=BLOG,
            state="accepted",
            activity_id=f"https://peer.example/f/{number}",
        )
    blog = site_client("blog")

    collection = json.loads(blog.get("/actors/blog/followers").content)
    first = json.loads(blog.get("/actors/blog/followers?page=1").content)
    second = json.loads(blog.get(first["next"].split("blog.localhost")[1]).content)
    outbox = json.loads(blog.get("/actors/blog/outbox?page=1").content)

    assert (collection["type"], collection["totalItems"]) == ("OrderedCollection", 25)
    assert first["type"] == "OrderedCollectionPage"
    assert len(first["orderedItems"]) + len(second["orderedItems"]) == 25
    assert "next" not in second
    assert outbox["orderedItems"][0]["type"] == "Create"
    assert outbox["orderedItems"][0]["object"]["name"] == "One"
    assert blog.get("/actors/blog/following").status_code == 200
    assert blog.get("/actors/blog/outbox?page=0").status_code == 400
    assert blog.get("/actors/nobody/outbox").status_code == 404
    assert blog.get("/actors/blog/followers")["Content-Type"] == ACTIVITY_JSON


def test_our_notes_are_served_at_their_ids_public_only(site_client, member):
    public = hub.compose_note(member, "hello")
    secret = hub.compose_note(member, "psst", visibility="followers")
    article = services.publish(Post(4, "Four", "<p>4</p>"))
    federation, blog = site_client("federation"), site_client("blog")

    def path(note):
        return note.object_id.split(".localhost", 1)[1]

    served = federation.get(path(public))
    assert served.status_code == 200
    assert served["Content-Type"] == ACTIVITY_JSON
    assert json.loads(served.content)["id"] == public.object_id
    assert json.loads(blog.get(path(article)).content)["name"] == "Four"
    assert federation.get(path(secret)).status_code == 404
    assert blog.get(path(public)).status_code == 404  # another host's path is not this object
    services.delete(Post(4, "Four", ""))
    assert blog.get(path(article)).status_code == 410


def test_what_is_published_is_cleaned_as_a_peers_post(member):
    hub.follow(member, BLOG)
    post = Post(5, "<b>Harvest</b> <script>alert(1)</script>", '<p onclick="x()">Apples<script>alert(1)</script></p>')

    note = services.publish(post)
    post.body = (
        '<img src="x" onerror="alert(1)"><a href="javascript:alert(1)">more</a><a href="https://a.example/">ok</a>'
    )
    updated = services.update(post)

    assert note.name == "Harvest alert(1)"
    assert "<script" not in APActivity.objects.get(type="Create").payload["object"]["content"]
    for forbidden in ("<script", "onclick", "onerror", "javascript:", "<img"):
        assert forbidden not in updated.content
        assert forbidden not in Note.objects.get().content
    assert 'href="https://a.example/"' in updated.content
    assert "javascript:" not in APActivity.objects.get(type="Update").payload["object"]["content"]


def test_a_published_script_does_not_come_back_on_the_local_timeline(hub_client):
    services.publish(Post(6, "News", "<p>news</p><script>alert(1)</script>"))

    page = hub_client.get("/local").content.decode()

    assert "<p>news</p>" in page
    assert "alert(1)" not in page


class Summarised(Post):
    def federation_object(self):
        return {**super().federation_object(), "summary": "<i>spoilers</i>", "url": "javascript:alert(1)"}


def test_a_summary_is_text_and_a_url_not_http_is_replaced_by_the_objects_id():
    note = services.publish(Summarised(8, "Eight", "<p>8</p>"))

    assert note.summary == "spoilers"
    assert note.url == note.object_id
    assert APActivity.objects.get().payload["object"]["url"] == note.object_id


class Unsourced(Post):
    def federation_source(self):
        return ""


def test_an_object_without_a_source_key_is_refused():
    with pytest.raises(ValueError, match="federation_source"):
        services.publish(Unsourced(9, "Nine", "<p>9</p>"))

    assert not Note.objects.exists()


def test_a_source_is_one_note_and_notes_without_one_are_many():
    services.publish(Post(10, "Ten", "<p>10</p>"))
    blog = Note.objects.get()
    Note.objects.create(object_id=f"{BLOG}/objects/a", author_url=BLOG, content="")
    Note.objects.create(object_id=f"{BLOG}/objects/b", author_url=BLOG, content="")  # no source: no limit

    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(object_id=f"{BLOG}/objects/c", author_url=BLOG, content="", source=blog.source)

    assert Note.objects.filter(source=blog.source).count() == 1


def test_publishing_again_after_a_delete_creates_it_again_under_its_id():
    post = Post(11, "Eleven", "<p>11</p>")
    first = services.publish(post)
    services.delete(post)

    again = services.publish(post)

    assert (again.pk, again.object_id, again.deleted, again.content) == (first.pk, first.object_id, None, "<p>11</p>")
    sent = list(APActivity.objects.outbound().order_by("pk").values_list("type", flat=True))
    assert sent == ["Create", "Delete", "Create"]


@pytest.mark.postgresql(reason="two transactions at once; SQLite lets one writer in at a time")
@pytest.mark.django_db(transaction=True)
def test_two_publishes_of_one_object_at_once_make_one_note():
    """
    Each publish waits, once it has looked for the note, until the other has looked too: both find
    none and both insert. A publish that makes the other wait before that point lets it go on
    alone after a second, so the test holds for any correct locking.
    """
    both_looked = threading.Barrier(2)

    class Racing(Post):
        def federation_object(self):
            with contextlib.suppress(threading.BrokenBarrierError):
                both_looked.wait(timeout=1)
            return super().federation_object()

    failures = []

    def publish():
        try:
            services.publish(Racing(12, "Twelve", "<p>once</p>"))
        except Exception as error:  # noqa: BLE001 - the main thread reports it
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    # Tasks run eagerly mark "inside a task" in one process-wide flag of Celery's; two threads
    # running theirs at once can leave it set, and a later test's result.get() would refuse.
    with allow_join_result():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert failures == []
    assert Note.objects.filter(source="blog.post:12").count() == 1
    sent = sorted(APActivity.objects.outbound().values_list("type", flat=True))
    assert sent == ["Create"]  # the second found it published, and saying the same: no Update owed


class Tagged(Post):
    def federation_object(self):
        tags = [
            {"type": "Hashtag", "name": "#bread", "href": "http://blog.localhost/tag/bread/"},
            {"type": "Hashtag", "name": "#evil", "href": "javascript:alert(1)"},
            {"type": "Hashtag", "name": "not a tag", "href": "http://blog.localhost/tag/x/"},
            {"type": "Mention", "name": "@someone", "href": "http://elsewhere.example/users/someone"},
        ]
        return {**super().federation_object(), "summary": "What this article is about", "tag": tags}


def test_an_articles_hashtags_are_sent_and_its_excerpt_is_no_content_warning(member):
    hub.follow(member, BLOG)

    services.publish(Tagged(7, "Baking", "<p>Rye</p>"))

    sent = APActivity.objects.outbound().get(type="Create").payload["object"]
    assert sent["type"] == "Article"
    assert sent["tag"] == [{"type": "Hashtag", "name": "#bread", "href": "http://blog.localhost/tag/bread/"}]
    assert sent["summary"] == "What this article is about"
    assert sent["sensitive"] is False


def test_a_notes_summary_is_still_its_content_warning(hub_client, member):
    hub.compose_note(member, "Spoilers inside", summary="The ending")

    sent = APActivity.objects.outbound().get(type="Create").payload["object"]
    assert (sent["type"], sent["summary"], sent["sensitive"]) == ("Note", "The ending", True)


class Illustrated(Post):
    def federation_object(self):
        good = {"type": "Image", "mediaType": "image/png", "url": "https://img.example/a.png", "name": "<b>A</b> jar"}
        return {
            **super().federation_object(),
            "attachment": [
                good,
                {**good, "url": "javascript:alert(1)"},  # not http(s)
                {**good, "mediaType": "text/html"},  # not an image
                {**good, "type": "Document"},
                "https://img.example/bare.png",
                *[{**good, "url": f"https://img.example/{n}.png"} for n in range(5)],
            ],
        }


def test_images_go_out_as_attachments_cleaned_and_at_most_four():
    note = services.publish(Illustrated(12, "Twelve", "<p>12</p>"))

    sent = APActivity.objects.get().payload["object"]["attachment"]
    assert sent == note.attachments
    assert sent[0] == {"type": "Image", "mediaType": "image/png", "url": "https://img.example/a.png", "name": "A jar"}
    assert [item["url"] for item in sent[1:]] == [f"https://img.example/{n}.png" for n in range(3)]


def test_publishing_again_what_did_not_change_sends_no_update():
    post = Post(13, "Thirteen", "<p>13</p>")
    services.publish(post)
    services.update(post)  # a save that changed nothing followers hold
    post.body = "<p>13, edited</p>"
    services.update(post)

    assert list(APActivity.objects.order_by("pk").values_list("type", flat=True)) == ["Create", "Update"]
