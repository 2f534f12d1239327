"""
The federation test that matters most: two instances of this project, each its own server process
with its own database and domain, talk to each other over HTTP with signatures. A member of alpha
follows beta's blog actor and gets the Accept; beta publishes a note, which appears in the member's
home timeline on alpha; the member likes it, and beta shows the like.
"""

from .instances import instances

PUBLISH = """
from apps.federation import services
from apps.federation import hub

class Post:
    def federation_site(self):
        return "blog"
    def federation_source(self):
        return "blog.post:1"
    def federation_object(self):
        return {"type": "Note", "content": "<p>Hello from beta<script>x()</script></p>", "url": "http://b/p/1"}

note = services.publish(Post())
result = {"object_id": note.object_id}
"""


def test_a_member_of_one_instance_follows_reads_and_likes_a_site_actor_of_another(tmp_path):
    with instances(tmp_path, "alpha.test", "beta.test") as (alpha, beta):
        alpha.shell(
            "from django.contrib.auth import get_user_model\n"
            "get_user_model().objects.create_user('alice', 'alice@example.org', 'a-long-pass-phrase')\n"
            "result = True"
        )
        blog_on_beta = beta.url("blog", "/actors/blog")

        follow = alpha.shell(
            "from django.contrib.auth import get_user_model\n"
            "from apps.federation import hub\n"
            "from apps.federation.models import Follow\n"
            "alice = get_user_model().objects.get(username='alice')\n"
            f"hub.follow(alice, {blog_on_beta!r})\n"
            "result = list(Follow.objects.values_list('followee_url', 'state'))"
        )
        assert follow == [[blog_on_beta, "accepted"]], alpha.log() + beta.log()

        followers = beta.get("blog", "/actors/blog/followers?page=1")
        assert followers["orderedItems"] == [alpha.url("federation", "/actors/alice")]

        published = beta.shell(PUBLISH)
        home = alpha.shell(
            "from django.contrib.auth import get_user_model\n"
            "from apps.federation import hub\n"
            "alice = get_user_model().objects.get(username='alice')\n"
            "notes = hub.home_timeline(alice).items\n"
            "result = [[note.pk, note.object_id, note.content, note.author_url] for note in notes]"
        )
        assert [row[1:] for row in home] == [[published["object_id"], "<p>Hello from beta</p>", blog_on_beta]]

        alpha.shell(
            "from django.contrib.auth import get_user_model\n"
            "from apps.federation import hub\n"
            "alice = get_user_model().objects.get(username='alice')\n"
            f"hub.like(alice, {home[0][0]})\n"
            "result = True"
        )
        likes = beta.shell(
            "from apps.federation.models import Note\n"
            f"note = Note.objects.get(object_id={published['object_id']!r})\n"
            "result = [note.like_count, list(note.likes.values_list('actor_url', flat=True))]"
        )
        assert likes == [1, [alpha.url("federation", "/actors/alice")]]
