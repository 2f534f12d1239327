"""
The blog's posts reach a live peer: another instance of this project, its own server process and
database, whose member follows the blog actor. A post arrives as an Article, as a Note once staff
switch the setting, an edit as an Update, an unpublish as a Delete; the member's reply comes back
and shows under the post.
"""

from tests.federation.instances import instances

ALICE = "from django.contrib.auth import get_user_model\nalice = get_user_model().objects.get(username='alice')\n"
HOME = ALICE + (
    "from apps.federation import hub\n"
    "result = {note.object_id: [note.kind, note.name, note.content, note.author_url]"
    " for note in hub.home_timeline(alice).items}\n"
)


def on_beta_blog(code):
    return "from apps.blog import services\nfrom apps.blog.models import BlogSettings, Post\n" + code


def test_posts_reach_a_follower_on_a_live_peer_and_their_reply_comes_back(tmp_path):
    with instances(tmp_path, "alpha.test", "beta.test") as (alpha, beta):
        blog_on_beta = beta.url("blog", "/actors/blog")
        alpha.shell(
            "from django.contrib.auth import get_user_model\nfrom apps.federation import hub\n"
            "alice = get_user_model().objects.create_user('alice', 'alice@example.org', 'a-long-pass-phrase')\n"
            f"result = hub.follow(alice, {blog_on_beta!r}) and True"
        )

        article = beta.shell(
            on_beta_blog(
                "post = services.create_post(title='Pressing day', excerpt='Cider.', body='<p>We pressed.</p>',"
                " tags=['Harvest'], feature_image_url='https://img.example/press.jpg', feature_image_alt='The press')\n"
                "post = services.publish_post(post.pk)\n"
                "from apps.federation.models import Note\n"
                "result = [post.pk, Note.objects.get(source=post.federation_source()).object_id]"
            )
        )
        home = alpha.shell(HOME)
        assert home[article[1]] == ["Article", "Pressing day", "<p>We pressed.</p>", blog_on_beta], alpha.log()

        note = beta.shell(
            on_beta_blog(
                "BlogSettings.objects.create(federate_as='Note')\n"
                "post = services.publish_post(services.create_post(title='Market day', body='<p>Long</p>').pk)\n"
                "from apps.federation.models import Note\n"
                "result = Note.objects.get(source=post.federation_source()).object_id"
            )
        )
        home = alpha.shell(HOME)
        kind, _name, content, _author = home[note]
        assert kind == "Note"
        assert "<strong>Market day</strong>" in content
        assert "/posts/market-day/" in content

        beta.shell(
            on_beta_blog(
                "BlogSettings.objects.update(federate_as='Article')\n"  # back to Articles: the edit goes as one
                f"services.update_post({article[0]}, body='<p>Forty crates.</p>')\nresult = True"
            )
        )
        assert alpha.shell(HOME)[article[1]][2] == "<p>Forty crates.</p>"  # the Update arrived

        alpha.shell(
            ALICE + "from apps.federation import hub\nfrom apps.federation.models import Note\n"
            f"hub.compose_note(alice, 'Lovely cider!', in_reply_to=Note.objects.get(object_id={article[1]!r}).pk)\n"
            "result = True"
        )
        comments = beta.shell(
            on_beta_blog(
                f"answered = services.fediverse_responses(Post.objects.get(pk={article[0]}))\n"
                "result = [[c.author_handle, c.content] for c in answered.comments]"
            )
        )
        assert comments == [["alice@federation.alpha.test", "<p>Lovely cider!</p>"]]

        beta.shell(on_beta_blog(f"services.unpublish_post({article[0]})\nresult = True"))
        assert article[1] not in alpha.shell(HOME)  # the Delete arrived
