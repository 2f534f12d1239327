"""Ghost's webhook on the blog host: signed deliveries re-read the one post, after the request's commit."""

import hashlib
import hmac
import json
import time

import pytest

from apps.blog.models import Post
from apps.federation.models import APActivity

from .ghost_server import WEBHOOK_SECRET, ghost_id, ghost_post, serve_ghost

pytestmark = pytest.mark.django_db

URL = "/ghost/webhook/"


@pytest.fixture
def ghost(httpserver, settings, monkeypatch):
    return serve_ghost(httpserver, settings, monkeypatch)


def signature(body, *, secret=WEBHOOK_SECRET, at=None):
    """Sign as Ghost does: hex HMAC-SHA256 of the body followed by the timestamp in milliseconds."""
    stamp = str(int((time.time() if at is None else at) * 1000))
    digest = hmac.new(secret.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}, t={stamp}"


def event(number, *, kind="post", deleted=False):
    named = {"id": ghost_id(number), "title": f"Post {number}"}
    return json.dumps({kind: {"current": {} if deleted else named, "previous": named if deleted else {}}}).encode()


def deliver(site_client, body, header, **extra):
    headers = {} if header is None else {"HTTP_X_GHOST_SIGNATURE": header}
    return site_client("blog").post(URL, body, content_type="application/json", **headers, **extra)


def test_a_signed_webhook_imports_the_post_it_names_after_the_commit(
    ghost, site_client, django_capture_on_commit_callbacks
):
    ghost.add(ghost_post(1, title="Fresh"))
    body = event(1)

    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(site_client, body, signature(body))
        assert ghost.requests == []  # nothing asked of Ghost while the request's transaction is open

    assert (response.status_code, response.json()) == (202, {"queued": f"posts/{ghost_id(1)}"})
    for callback in callbacks:
        callback()
    [request] = ghost.requests
    assert request.path == f"/ghost/api/content/posts/{ghost_id(1)}/"
    post = Post.objects.get(ghost_id=ghost_id(1))
    assert (post.title, post.is_live) == ("Fresh", True)


def test_a_signed_page_event_imports_the_page(ghost, site_client, django_capture_on_commit_callbacks):
    ghost.add(ghost_post(2, slug="about"), pages=True)
    body = event(2, kind="page")

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(site_client, body, signature(body))

    assert response.status_code == 202
    assert Post.objects.get(ghost_id=ghost_id(2)).is_page


def test_a_post_deleted_or_unpublished_upstream_is_unpublished_here_with_its_delete(
    ghost, site_client, django_capture_on_commit_callbacks
):
    ghost.add(ghost_post(1))
    body = event(1)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(site_client, body, signature(body))
    del ghost.posts[ghost_id(1)]  # Ghost's Content API now answers 404 for it
    body = event(1, deleted=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(site_client, body, signature(body))

    assert response.status_code == 202
    assert Post.objects.get(ghost_id=ghost_id(1)).status == "draft"
    assert list(APActivity.objects.order_by("pk").values_list("type", flat=True)) == ["Create", "Delete"]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "signature_missing"),
        ("", "signature_missing"),
        ("sha256=abc", "signature_malformed"),
        ("t=1700000000000", "signature_malformed"),
        ("sha256=" + "0" * 64 + ", t=1e12", "signature_malformed"),
    ],
)
def test_a_missing_or_malformed_signature_is_refused(
    ghost, site_client, django_capture_on_commit_callbacks, header, code
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = deliver(site_client, event(1), header)

    assert (response.status_code, response.json()["error"]) == (401, code)
    assert response.json()["message"]
    assert (callbacks, ghost.requests) == ([], [])


def test_a_signature_made_with_another_secret_is_refused(ghost, site_client, django_capture_on_commit_callbacks):
    body = event(1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = deliver(site_client, body, signature(body, secret="not-the-secret"))

    assert response.status_code == 401
    assert response.json() == {
        "error": "signature_invalid",
        "message": "X-Ghost-Signature does not match this body and GHOST_WEBHOOK_SECRET.",
    }
    assert (callbacks, ghost.requests) == ([], [])


def test_a_body_changed_after_signing_is_refused(ghost, site_client):
    header = signature(event(1))

    response = deliver(site_client, event(2), header)

    assert (response.status_code, response.json()["error"]) == (401, "signature_invalid")


def test_a_timestamp_changed_after_signing_is_refused(ghost, site_client):
    body = event(1)
    digest, _stamp = signature(body, at=time.time() - 3600).split(", ")

    response = deliver(site_client, body, f"{digest}, t={int(time.time() * 1000)}")

    assert (response.status_code, response.json()["error"]) == (401, "signature_invalid")


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_stale_or_future_signature_is_refused_as_a_possible_replay(ghost, site_client, offset):
    body = event(1)

    response = deliver(site_client, body, signature(body, at=time.time() + offset))

    assert response.status_code == 401
    assert response.json()["error"] == "signature_stale"
    assert "more than 300 s either way is refused" in response.json()["message"]
    assert ghost.requests == []


def test_a_signature_a_little_old_is_taken(ghost, site_client, django_capture_on_commit_callbacks):
    ghost.add(ghost_post(1))
    body = event(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(site_client, body, signature(body, at=time.time() - 240))

    assert response.status_code == 202


def test_without_a_secret_configured_every_webhook_is_refused(ghost, settings, site_client):
    settings.GHOST_WEBHOOK_SECRET = ""
    body = event(1)

    response = deliver(site_client, body, signature(body, secret=""))

    assert (response.status_code, response.json()["error"]) == (503, "ghost_webhooks_off")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "ghost_webhook_garbled"),
        (json.dumps({"tag": {"current": {"id": ghost_id(1)}}}).encode(), "ghost_webhook_unknown"),
        (json.dumps({"post": {"current": {"id": "../../settings"}}}).encode(), "ghost_webhook_unknown"),
    ],
)
def test_a_signed_body_naming_no_post_is_a_bad_request(ghost, site_client, body, code):
    response = deliver(site_client, body, signature(body))

    assert (response.status_code, response.json()["error"]) == (400, code)
    assert ghost.requests == []


def test_the_webhook_takes_only_posts(ghost, site_client):
    assert site_client("blog").get(URL).status_code == 405
