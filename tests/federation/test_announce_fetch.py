"""
An Announce of a note we do not have: the note is fetched from its own server through the one
outbound client, by the rules of actor fetches (ActivityStreams Content-Type, ``id`` equal to the
URL asked for, a capped body, no private addresses), and then stored with the boost. What may pass
(no answer, 5xx) is tried again with backoff; what will not (4xx, a bad or forged document) fails
the row with the reason.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.federation import hub
from apps.federation.inbound import inbox, peer_notes, processing
from apps.federation.models import APActivity, Boost, Note, Notification, PeerActor

from . import peers
from .hubdata import follow_row
from .remote import ACTIVITY_JSON, RemoteActor

INBOX = "http://federation.localhost/inbox"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def ana(private_allowed, httpserver):
    """The note's author, on the peer server."""
    return RemoteActor(httpserver).serve()


@pytest.fixture
def cy(private_allowed, httpserver, member):
    """The booster, on the same peer server; ``member`` follows cy."""
    booster = RemoteActor(httpserver, name="cy").serve()
    follow_row(member, booster.id)
    return booster


def path_of(httpserver, url):
    return url.split(httpserver.url_for("/").rstrip("/"), 1)[1]


def serve_note(httpserver, note, *, content_type=ACTIVITY_JSON, status=200, url=None):
    """Serve ``note`` (a dict, or raw bytes at ``url``) on the peer server."""
    body = json.dumps(note) if isinstance(note, dict) else note
    httpserver.expect_request(path_of(httpserver, url or note["id"]), method="GET").respond_with_data(
        body, status=status, content_type=content_type
    )


def announce(booster, object_id):
    """Store ``booster``'s Announce of ``object_id`` as the inbox would (verified), without processing it."""
    activity = booster.activity("Announce", object_id, to="as:Public", published="2026-11-27T12:00:00Z")
    inbox.store(activity, booster.id)
    return activity["id"]


def row(activity_id):
    return APActivity.objects.get(activity_id=activity_id)


def note_requests(httpserver, object_id):
    return [request for request, _answer in httpserver.log if request.path == path_of(httpserver, object_id)]


def test_an_announced_note_is_fetched_from_its_server_and_stored_with_the_boost(
    ana, cy, member, httpserver, site_client, django_capture_on_commit_callbacks
):
    note = ana.note("<p>old news<script>alert(1)</script></p>", published="2026-01-01T00:00:00Z")
    serve_note(httpserver, note)
    activity = cy.activity("Announce", note["id"], to="as:Public")

    with django_capture_on_commit_callbacks(execute=True):
        response = cy.post(site_client("federation"), INBOX, activity)

    assert response.status_code == 202
    assert row(activity["id"]).state == "done"
    stored = Note.objects.get(object_id=note["id"])
    assert stored.content == "<p>old news</p>"
    assert (stored.author_url, stored.visibility, stored.is_local) == (ana.id, "public", False)
    assert stored.author_peer == PeerActor.objects.get(actor_url=ana.id)
    assert stored.boost_count == 1
    assert Boost.objects.get().actor_url == cy.id
    (asked,) = note_requests(httpserver, note["id"])
    assert asked.headers["Accept"].startswith("application/activity+json")
    page = hub.home_timeline(member)
    assert [(item.pk, item.boosted_by) for item in page.items] == [(stored.pk, cy.id)]


def test_a_note_we_have_is_not_fetched_again(ana, cy, httpserver):
    note = ana.note()
    Note.objects.create(object_id=note["id"], author_url=ana.id, content="<p>kept</p>")

    assert processing.process(announce(cy, note["id"])) == "done"
    assert note_requests(httpserver, note["id"]) == []
    assert Note.objects.get().boost_count == 1


def test_an_announce_by_someone_nobody_here_follows_fetches_nothing(ana, httpserver):
    stranger = RemoteActor(httpserver, name="stranger").serve()
    note = ana.note()
    serve_note(httpserver, note)

    activity_id = announce(stranger, note["id"])

    assert processing.process(activity_id) == "ignored"
    assert "nobody here follows" in row(activity_id).error
    assert note_requests(httpserver, note["id"]) == []
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("serve", "reason"),
    [
        ({"status": 404}, "status 404"),
        ({"status": 410}, "status 410"),
        ({"content_type": "application/json"}, "is not ActivityStreams"),
        ({"content_type": "text/html"}, "is not ActivityStreams"),
        ({"body": b"not json"}, "the body is not JSON"),
        ({"note": {"id": "OTHER"}}, "is not the URL fetched"),
        ({"note": {"attributedTo": "FOREIGN"}}, "not attributed to one actor on its own host"),
        ({"note": {"attributedTo": ["SELF", "FOREIGN"]}}, "not attributed to one actor on its own host"),
        ({"note": {"type": "Question"}}, "not a Note or Article"),
        ({"body": b'{"content": "' + b"x" * 1_100_000 + b'"}'}, "more than the 1048576"),
    ],
    ids=[
        "404",
        "410",
        "plain-json",
        "html",
        "not-json",
        "id-mismatch",
        "foreign-author-host",
        "two-authors",
        "not-a-note",
        "oversized",
    ],
)
def test_a_note_that_cannot_be_had_fails_the_row_with_why_and_is_not_retried(ana, cy, httpserver, serve, reason):
    note = ana.note()
    url = note["id"]
    foreign = ana.id.replace("localhost", "127.0.0.1")
    changes = {
        key: {"OTHER": ana.new_id("statuses"), "FOREIGN": foreign, "SELF": ana.id}.get(value, value)
        if not isinstance(value, list)
        else [{"FOREIGN": foreign, "SELF": ana.id}[item] for item in value]
        for key, value in serve.get("note", {}).items()
    }
    body = serve.get("body", {**note, **changes})
    serve_note(
        httpserver,
        body,
        url=url,
        status=serve.get("status", 200),
        content_type=serve.get("content_type", ACTIVITY_JSON),
    )
    activity_id = announce(cy, url)

    assert processing.process(activity_id) == "failed"

    failed = row(activity_id)
    assert reason in failed.error
    assert failed.attempts == 1
    assert not Note.objects.exists()
    assert not Boost.objects.exists()
    assert processing.process(activity_id) is None  # given up: a second run does nothing
    assert len(note_requests(httpserver, url)) == 1


def test_an_oversized_body_sent_without_a_length_is_cut_off_while_streaming(ana, cy, httpserver):
    from werkzeug import Response

    note = ana.note()
    chunks = (b"x" * 65_536 for _ in range(20))  # 1.25 MB, chunked: no Content-Length to refuse early
    httpserver.expect_request(path_of(httpserver, note["id"])).respond_with_handler(
        lambda request: Response(chunks, content_type=ACTIVITY_JSON)
    )
    activity_id = announce(cy, note["id"])

    assert processing.process(activity_id) == "failed"
    assert "sent more than the 1048576 bytes allowed" in row(activity_id).error
    assert not Note.objects.exists()


def test_a_private_address_is_refused_when_not_allowed_and_not_retried(ana, cy, httpserver, settings):
    note = ana.note()
    serve_note(httpserver, note)
    activity_id = announce(cy, note["id"])
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = False

    assert processing.process(activity_id) == "failed"

    assert "loopback" in row(activity_id).error
    assert note_requests(httpserver, note["id"]) == []
    assert not Note.objects.exists()


def test_a_followers_only_note_is_not_kept(ana, cy, httpserver):
    note = {**ana.note(), "to": [f"{ana.id}/followers"], "cc": []}
    serve_note(httpserver, note)
    activity_id = announce(cy, note["id"])

    assert processing.process(activity_id) == "ignored"
    assert not Note.objects.exists()


def test_a_server_error_leaves_the_row_pending_and_a_later_try_succeeds(ana, cy, member, httpserver):
    note = ana.note()
    httpserver.expect_ordered_request(path_of(httpserver, note["id"]), method="GET").respond_with_data(
        "down", status=503
    )
    serve_note(httpserver, note)
    activity_id = announce(cy, note["id"])

    assert processing.process(activity_id) == "pending"
    waiting = row(activity_id)
    assert (waiting.attempts, waiting.error) == (1, f"will try again: fetching the announced {note['id']}: status 503")
    assert not Note.objects.exists()

    assert processing.process(activity_id) == "done"
    assert row(activity_id).attempts == 2
    assert Note.objects.get().boost_count == 1
    assert Notification.objects.filter(recipient=member).count() == 0  # ana's note: nobody here to notify


def test_the_task_tries_again_with_backoff_and_gives_up_after_the_last_attempt(ana, cy, httpserver, monkeypatch):
    from apps.federation import tasks
    from apps.federation.outbound import outbox

    delays = []
    monkeypatch.setattr(outbox, "backoff", lambda attempts: delays.append(attempts) or 0)
    note = ana.note()
    httpserver.expect_request(path_of(httpserver, note["id"])).respond_with_data("", status=500)
    activity_id = announce(cy, note["id"])

    assert tasks.process_inbound.delay(activity_id).get() == "pending"  # eager: the retries ran inside

    failed = row(activity_id)
    assert failed.state == "failed"
    assert failed.attempts == processing.FETCH_ATTEMPTS
    assert failed.error.startswith(f"gave up after {processing.FETCH_ATTEMPTS} attempts: ")
    assert delays == list(range(1, processing.FETCH_ATTEMPTS))
    # The host's breaker opened after five failures: the last tries cost the peer nothing.
    assert len(note_requests(httpserver, note["id"])) == 5


def test_an_author_that_cannot_be_fetched_gives_up_on_4xx(ana, cy, httpserver):
    author = ana.id.replace("/users/ana", "/users/gone")
    note = {**ana.note(), "attributedTo": author}
    serve_note(httpserver, note)
    httpserver.expect_request("/users/gone").respond_with_data("", status=404)
    activity_id = announce(cy, note["id"])

    assert processing.process(activity_id) == "failed"
    assert row(activity_id).error == "fetching its author: status 404"


def test_an_unforeseen_error_while_fetching_fails_the_row_instead_of_wedging_it(ana, cy, httpserver, monkeypatch):
    note = ana.note()
    serve_note(httpserver, note)
    activity_id = announce(cy, note["id"])
    monkeypatch.setattr(peer_notes, "save_note", lambda *args: 1 / 0)

    assert processing.process(activity_id) == "failed"
    assert row(activity_id).error.startswith("ZeroDivisionError")


def test_the_sweep_leaves_a_waiting_row_to_its_backoff_and_takes_up_one_left_too_long(ana, cy, httpserver):
    from apps.federation import tasks

    url = ana.new_id("statuses")
    httpserver.expect_request(path_of(httpserver, url)).respond_with_data("", status=503)
    activity_id = announce(cy, url)
    APActivity.objects.filter(activity_id=activity_id).update(created=timezone.now() - timedelta(minutes=5))
    assert processing.process(activity_id) == "pending"

    assert tasks.sweep_activities()["inbound"] == 0  # its own task tries again after the backoff

    APActivity.objects.filter(activity_id=activity_id).update(processed_at=timezone.now() - timedelta(minutes=20))
    assert tasks.sweep_activities()["inbound"] == 1  # that task was lost: the sweep takes it up


def test_a_note_attributed_to_an_alias_of_its_author_gives_up(ana, cy, httpserver):
    """The author's profile URL leads to the author (discovery follows one alias), but a note names its author by id."""
    profile = httpserver.url_for("/@ana")
    peers.serve(httpserver, "/@ana", peers.mastodon_doc(ana.id, preferredUsername="ana"), ACTIVITY_JSON)
    note = ana.note(attributedTo=profile)
    serve_note(httpserver, note)

    activity_id = announce(cy, note["id"])

    assert processing.process(activity_id) == "failed"
    assert row(activity_id).error == f"the announced object is attributed to {profile}, an alias of {ana.id}"
    assert not Note.objects.exists()
