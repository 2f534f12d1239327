"""``manage.py sync_ghost`` and the beat task against a Ghost Content API on a local HTTP server."""

import datetime
import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from werkzeug import Response

from apps.blog import ghost as ghost_sync
from apps.blog.models import GhostCursor, Post, Revision, Tag
from apps.blog.tasks import sync_ghost_task
from apps.federation.models import APActivity

from .ghost_server import KEY, ghost_id, ghost_post, serve_ghost

pytestmark = pytest.mark.django_db

NOV_1 = datetime.datetime(2026, 11, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def ghost(httpserver, settings, monkeypatch):
    return serve_ghost(httpserver, settings, monkeypatch)


def sync(*args):
    """Run the command as an operator would; return its exit status, stdout and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("sync_ghost", *args, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        return exc.returncode, stdout.getvalue(), str(exc)
    return 0, stdout.getvalue(), stderr.getvalue()


def test_the_command_run_by_an_operator_prints_one_line_and_exits_non_zero(tmp_path):
    """The whole path an operator takes: ``manage.py sync_ghost`` in its own process, GHOST_URL unset."""
    environment = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        "ROSEASH_ENV_FILE": "",
        "ROSEASH_VAR_DIR": str(tmp_path),
        "GHOST_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "sync_ghost"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        cwd=django_settings.BASE_DIR,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "CommandError: GHOST_URL is not set: give the address of the Ghost site, e.g. https://ghost.example.org."
    ]


def sent():
    return [(activity.type, activity.payload["object"].get("url")) for activity in APActivity.objects.order_by("pk")]


def last_sent():
    return APActivity.objects.order_by("pk").last()


def snapshot():
    return list(Post.objects.order_by("pk").values_list("ghost_id", "title", "status", "ghost_updated_at"))


def test_the_first_sync_imports_posts_and_pages_published_with_their_tags_and_dates(ghost, member):
    ghost.add(
        ghost_post(
            1,
            title="Apple harvest",
            slug="apple-harvest",
            html='<h2>Crates</h2><p>Forty <a href="https://example.org/">crates</a>.</p>',
            custom_excerpt="Forty crates.",
            feature_image="https://images.example.org/apples.jpg",
            feature_image_alt="Apples",
            feature_image_caption="<em>Our</em> apples",
            featured=True,
            meta_title="Harvest",
            tags=[
                {"id": ghost_id(800), "name": "Apples & Pears", "slug": "apples", "visibility": "public"},
                {"id": ghost_id(801), "name": "#hidden", "slug": "hash-hidden", "visibility": "internal"},
            ],
            authors=[{"id": ghost_id(900), "name": "Alice", "slug": "alice", "email": "ALICE@example.org"}],
        ),
        ghost_post(2, updated="2026-11-02T08:30:00.000Z"),
    )
    ghost.add(ghost_post(3, title="About us", slug="about"), pages=True)

    status, out, _ = sync()

    assert status == 0
    assert "Created 3, updated 0, unchanged 0, unpublished 0, members-only (not imported) 0." in out
    post = Post.objects.get(ghost_id=ghost_id(1))
    assert (post.title, post.slug, post.status, post.is_page) == ("Apple harvest", "apple-harvest", "published", False)
    assert post.published_at == datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC)  # Ghost's, not ours
    assert post.ghost_updated_at == NOV_1
    assert post.body == (
        '<h2>Crates</h2><p>Forty <a href="https://example.org/" rel="noopener noreferrer">crates</a>.</p>'
    )
    assert (post.excerpt, post.feature_image_url, post.feature_image_caption) == (
        "Forty crates.",
        "https://images.example.org/apples.jpg",
        "Our apples",
    )
    assert (post.featured, post.seo_title) == (True, "Harvest")
    assert [(tag.slug, tag.name) for tag in post.tags.all()] == [("apples", "Apples & Pears")]  # not the internal one
    assert list(post.authors.all()) == [member]  # matched by email
    assert not Post.objects.get(ghost_id=ghost_id(2)).authors.exists()  # Ghost's Ann is no member here
    page = Post.objects.get(ghost_id=ghost_id(3))
    assert (page.is_page, page.slug, page.is_live) == (True, "about", True)
    # Posts reach the fediverse as any published post does; the page does not.
    assert sent() == [
        ("Create", "http://blog.localhost/posts/apple-harvest/"),
        ("Create", "http://blog.localhost/posts/post-2/"),
    ]
    assert GhostCursor.objects.get(resource="posts").synced_through == datetime.datetime(
        2026, 11, 2, 8, 30, tzinfo=datetime.UTC
    )
    [listing, *_] = ghost.listings("posts")
    assert listing["order"] == "updated_at asc"
    assert listing["include"] == "authors,tags"
    assert "filter" not in listing
    assert ghost.requests[0].headers["Accept-Version"] == "v6.0"


def test_the_next_sync_asks_only_for_what_changed_and_updates_it_with_a_revision(ghost):
    ghost.add(ghost_post(1), ghost_post(2, updated="2026-11-02T08:30:00.000Z"))
    sync()
    ghost.requests.clear()
    ghost.add(
        ghost_post(2, updated="2026-11-03T12:00:00.000Z", title="Post 2, corrected", html="<p>Fixed.</p>"),
        ghost_post(4, updated="2026-11-03T12:05:00.000Z"),
    )

    status, out, _ = sync()

    assert status == 0
    assert [listing["filter"] for listing in ghost.listings("posts")] == ["updated_at:>='2026-11-02 08:30:00'"]
    # Post 1 is not asked for again; post 2's old version is a revision, its followers get an Update.
    assert "Created 1, updated 1, unchanged 0" in out
    corrected = Post.objects.get(ghost_id=ghost_id(2))
    assert (corrected.title, corrected.body) == ("Post 2, corrected", "<p>Fixed.</p>")
    assert list(Revision.objects.filter(post=corrected).values_list("title", flat=True)) == ["Post 2"]
    assert [kind for kind, _url in sent()] == ["Create", "Create", "Update", "Create"]
    assert GhostCursor.objects.get(resource="posts").synced_through == datetime.datetime(
        2026, 11, 3, 12, 5, tzinfo=datetime.UTC
    )


def test_a_sync_with_nothing_new_changes_nothing_and_sends_nothing(ghost):
    ghost.add(ghost_post(1))
    sync()
    before, activities = snapshot(), sent()

    status, out, _ = sync()

    assert status == 0
    assert "Created 0, updated 0, unchanged 1" in out  # the mark's own second is read again, found unchanged
    assert (snapshot(), sent()) == (before, activities)


def test_the_sync_follows_pagination_through_three_pages(ghost):
    count = 2 * ghost_sync.PAGE_SIZE + 3
    ghost.add(*(ghost_post(n, updated=f"2026-11-01T10:{n // 60:02}:{n % 60:02}.000Z") for n in range(1, count + 1)))

    status, out, _ = sync()

    assert status == 0
    assert [listing["page"] for listing in ghost.listings("posts")] == ["1", "2", "3"]
    assert f"Created {count}," in out
    assert Post.objects.filter(ghost_id__isnull=False, status="published").count() == count


def test_a_failure_on_a_later_page_keeps_the_earlier_pages_and_the_mark_where_they_ended(ghost):
    count = 2 * ghost_sync.PAGE_SIZE + 3
    ghost.add(*(ghost_post(n, updated=f"2026-11-01T10:{n // 60:02}:{n % 60:02}.000Z") for n in range(1, count + 1)))
    ghost.broken_pages[2] = Response("{}", status=401, content_type="application/json")

    status, _out, error = sync()

    assert status == 1
    assert error.startswith("The Content API key was refused (Ghost answered 401)")
    assert Post.objects.count() == ghost_sync.PAGE_SIZE  # the first page, each post whole
    last_of_page_1 = Post.objects.get(ghost_id=ghost_id(ghost_sync.PAGE_SIZE)).ghost_updated_at
    assert GhostCursor.objects.get(resource="posts").synced_through == last_of_page_1

    del ghost.broken_pages[2]
    status, out, _ = sync()

    assert status == 0
    assert Post.objects.count() == count
    assert "unchanged 1" in out  # only the post in the mark's own second is read twice


def test_full_unpublishes_a_post_deleted_upstream_and_sends_its_delete(ghost):
    ghost.add(ghost_post(1), ghost_post(2))
    ghost.add(ghost_post(3, slug="about"), pages=True)
    sync()
    del ghost.posts[ghost_id(2)]
    del ghost.pages[ghost_id(3)]

    sync()  # incremental: the Content API does not show deletions
    assert Post.objects.get(ghost_id=ghost_id(2)).is_live

    status, out, _ = sync("--full")

    assert status == 0
    assert "unpublished 2," in out
    gone = Post.objects.get(ghost_id=ghost_id(2))
    assert (gone.status, gone.published_at) == ("draft", None)
    assert Post.objects.get(ghost_id=ghost_id(3)).status == "draft"
    assert Post.objects.get(ghost_id=ghost_id(1)).is_live
    create, delete = APActivity.objects.filter(payload__object__url__endswith="/post-2/").get(), last_sent()
    assert (delete.type, delete.payload["object"]["id"]) == ("Delete", create.payload["object"]["id"])
    assert ghost.listings("posts")[-1]["fields"] == "id,visibility"


def test_a_post_unpublished_upstream_and_published_again_comes_back(ghost):
    ghost.add(ghost_post(1))
    sync()
    unpublished = ghost.posts.pop(ghost_id(1))
    sync("--full")
    assert Post.objects.get(ghost_id=ghost_id(1)).status == "draft"

    ghost.add({**unpublished, "updated_at": "2026-11-05T09:00:00.000Z", "published_at": "2026-11-05T09:00:00.000Z"})
    status, _out, _ = sync()

    assert status == 0
    post = Post.objects.get(ghost_id=ghost_id(1))
    assert post.is_live
    assert post.published_at == datetime.datetime(2026, 11, 5, 9, 0, tzinfo=datetime.UTC)
    assert [kind for kind, _url in sent()] == ["Create", "Delete", "Create"]


def test_posts_for_ghosts_members_only_are_not_imported_and_taken_back_when_they_become_so(ghost):
    ghost.add(ghost_post(1), ghost_post(2, visibility="paid", html="<p>Only the part before the paywall</p>"))

    status, out, _ = sync()

    assert status == 0
    assert "Created 1," in out
    assert "members-only (not imported) 1." in out
    assert not Post.objects.filter(ghost_id=ghost_id(2)).exists()

    ghost.add(ghost_post(1, visibility="members", updated="2026-11-04T00:00:00.000Z"))
    sync()
    assert Post.objects.get(ghost_id=ghost_id(1)).status == "draft"
    assert [kind for kind, _url in sent()] == ["Create", "Delete"]


def test_full_takes_back_a_post_that_became_members_only(ghost):
    ghost.add(ghost_post(1))
    sync()
    ghost.posts[ghost_id(1)]["visibility"] = "members"  # as the id listing shows it; its updated_at not read

    sync("--full")

    assert Post.objects.get(ghost_id=ghost_id(1)).status == "draft"


def test_a_refused_key_is_a_clear_error_with_an_exit_status_and_nothing_changes(ghost, settings):
    ghost.add(ghost_post(1))
    sync()
    ghost.add(ghost_post(1, updated="2026-11-09T00:00:00.000Z", title="Changed"))
    before, cursor = snapshot(), GhostCursor.objects.get(resource="posts").synced_through
    settings.GHOST_CONTENT_KEY = "0" * 26

    status, _out, error = sync()

    assert status == 1
    assert error == (
        "The Content API key was refused (Ghost answered 401): check GHOST_CONTENT_KEY against the "
        "custom integration in Ghost's settings."
    )
    assert snapshot() == before
    assert GhostCursor.objects.get(resource="posts").synced_through == cursor


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GHOST_URL", "", "GHOST_URL is not set"),
        ("GHOST_URL", "ghost.example.org", "GHOST_URL is 'ghost.example.org', not the address of a site"),
        ("GHOST_CONTENT_KEY", "", "GHOST_CONTENT_KEY is not set"),
        ("GHOST_CONTENT_KEY", "6489a0c4:" + "ab" * 32, "GHOST_CONTENT_KEY is not a Content API key"),
    ],
)
def test_missing_or_wrong_settings_stop_the_command_with_one_line_before_any_request(
    ghost, settings, name, value, message
):
    setattr(settings, name, value)

    status, _out, error = sync()

    assert status == 1
    assert error.startswith(message)
    assert "\n" not in error
    assert ghost.requests == []


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Response("<html>Not Ghost</html>", content_type="text/html"), "Ghost's answer to posts/ is not JSON"),
        (Response("[]", content_type="application/json"), "Ghost's answer to posts/ is not a JSON object"),
        (
            Response(json.dumps({"posts": "none"}), content_type="application/json"),
            "Ghost's answer to posts/ has no posts list with meta.pagination",
        ),
        (
            Response(
                json.dumps({"posts": [{"title": "no id"}], "meta": {"pagination": {"next": None}}}),
                content_type="application/json",
            ),
            "Ghost's answer gives a post the id None",
        ),
        (
            Response(
                json.dumps({"posts": [ghost_post(1, updated="yesterday")], "meta": {"pagination": {"next": None}}}),
                content_type="application/json",
            ),
            "Ghost's answer gives updated_at 'yesterday', which is not a date",
        ),
        (
            Response(json.dumps({"posts": [], "meta": {"pagination": {"next": 1}}}), content_type="application/json"),
            "Ghost's answer to posts/ gives 1 as the page after 1",
        ),
        (Response("Bad gateway", status=502), "Ghost answered HTTP 502 to posts/"),
    ],
)
def test_a_garbled_answer_is_a_clear_error_and_writes_nothing(ghost, answer, message):
    ghost.answer = answer

    status, _out, error = sync()

    assert status == 1
    assert error.startswith(message)
    assert not Post.objects.exists()
    assert not GhostCursor.objects.exists()


def test_an_unreachable_ghost_is_a_clear_error_that_never_shows_the_key(ghost, settings):
    settings.GHOST_URL = "http://127.0.0.1:9"  # the discard port: nothing listens

    status, _out, error = sync()

    assert status == 1
    assert error.startswith("Ghost could not be reached: cannot connect to http://127.0.0.1:9/ghost/api/content/")
    assert KEY not in error


def test_imported_html_is_cleaned_and_images_stay_linked_over_http_only(ghost):
    ghost.add(
        ghost_post(
            1,
            html=(
                "<p onclick=\"steal()\">Hi<script>alert('x')</script></p>"
                '<p><a href="javascript:alert(1)">click</a></p>'
                '<img src="https://images.example.org/a.jpg" alt="A" onerror="steal()">'
                '<img src="javascript:alert(2)"><p style="color:red">styled</p>'
            ),
            feature_image="javascript:alert(3)",
            canonical_url="data:text/html,hi",
        )
    )

    sync()

    post = Post.objects.get(ghost_id=ghost_id(1))
    assert post.body == (
        '<p>Hi</p><p><a rel="noopener noreferrer">click</a></p>'
        '<img src="https://images.example.org/a.jpg" alt="A"><img><p>styled</p>'
    )
    assert (post.feature_image_url, post.canonical_url) == ("", "")


def test_a_post_that_cannot_be_written_is_reported_and_retried_while_the_others_are_imported(ghost):
    Post.objects.create(title="Ours", slug="post-2")  # a post of ours already has Ghost's slug
    ghost.add(ghost_post(1), ghost_post(2, updated="2026-11-02T00:00:00.000Z"))

    status, out, error = sync()

    assert status == 1
    assert error == "1 post(s) could not be imported; they are retried next run."
    assert "Created 1," in out
    assert Post.objects.get(ghost_id=ghost_id(1)).is_live
    assert not GhostCursor.objects.filter(resource="posts").exists()  # post 2 is asked for again next time


def test_tags_are_upserted_by_their_ghost_slug(ghost):
    Tag.objects.create(slug="apples", name="Apples")
    ghost.add(ghost_post(1, tags=[{"id": ghost_id(800), "name": "Apples & Pears", "slug": "apples"}]))

    sync()

    assert list(Tag.objects.values_list("slug", "name")) == [("apples", "Apples & Pears")]
    assert list(Post.objects.get(ghost_id=ghost_id(1)).tags.values_list("slug", flat=True)) == ["apples"]


def test_authors_chosen_here_are_kept_while_no_ghost_author_is_a_member(ghost, member):
    ghost.add(ghost_post(1))
    sync()
    post = Post.objects.get(ghost_id=ghost_id(1))
    assert not post.authors.exists()  # Ghost's Ann (no email from the Content API) is no member
    post.authors.set([member])  # as staff would in the admin

    ghost.add(ghost_post(1, updated="2026-11-04T00:00:00.000Z", title="Edited in Ghost"))
    sync()

    assert list(Post.objects.get(ghost_id=ghost_id(1)).authors.all()) == [member]


def test_the_beat_task_runs_the_incremental_sync(ghost):
    ghost.add(ghost_post(1))

    assert sync_ghost_task.delay().get() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "unpublished": 0,
        "members_only": 0,
        "failures": [],
    }
    assert sync_ghost_task.delay().get()["unchanged"] == 1
    assert django_settings.CELERY_BEAT_SCHEDULE["sync-ghost"]["task"] == sync_ghost_task.name == "blog.sync_ghost"


def test_one_sync_at_a_time(ghost):
    ghost.add(ghost_post(1))
    cache.add(ghost_sync.SYNC_LOCK, True, 60)  # as a sync running in another process holds it

    status, _out, error = sync()

    assert (status, error) == (1, "A Ghost sync is running already: try again when it has ended.")
    assert sync_ghost_task.delay().get() is None  # beat leaves the work to the run in progress
    assert (ghost.requests, list(Post.objects.all())) == ([], [])

    cache.delete(ghost_sync.SYNC_LOCK)
    assert sync()[0] == 0
    assert cache.add(ghost_sync.SYNC_LOCK, True, 60)  # released after the run


def test_the_beat_task_does_nothing_where_ghost_is_not_configured(ghost, settings):
    settings.GHOST_URL = ""

    assert sync_ghost_task.delay().get() is None
    assert ghost.requests == []
