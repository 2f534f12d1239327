"""``publish``/``update``/``delete`` of a ``Publishable`` object, and the public collections they fill."""

import json
from dataclasses import dataclass

import pytest

from apps.federation import hub, services
from apps.federation.models import APActivity, Follow, Note

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
