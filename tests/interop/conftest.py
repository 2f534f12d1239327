import json
import re

import pytest

from apps.federation.models import APActivity, Note
from apps.federation.vocabulary import id_of
from tests.federation.conftest import _no_kick_left  # noqa: F401 (the federation tests' fixture)
from tests.federation.remote import signed_post

from .captured import ACTORS, ALICE, ALICES_NOTE, SENDERS, Peer

SHARED_INBOX = "http://federation.localhost/inbox"


@pytest.fixture
def fediverse(settings, httpserver):
    """
    Every captured server on the local test server, each under its own host name (``<software>.test``,
    resolved to loopback), serving its actor documents at their paths with their Content-Type, and
    taking what we deliver to its inboxes (202). Return ``{software: Peer}``.
    """
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True
    settings.ROSEASH_RESOLVE = {"*.test": "127.0.0.1"}
    peers = {actor.software: Peer(actor.software, httpserver.port) for actor in ACTORS}
    for actor in ACTORS:
        body = json.dumps(peers[actor.software].read(actor.document))
        for path in (actor.path, *actor.aliases):
            httpserver.expect_request(path, method="GET").respond_with_data(body, content_type=actor.content_type)
    httpserver.expect_request(re.compile(r".*/inbox/?$"), method="POST").respond_with_data("", status=202)
    return peers


@pytest.fixture
def alices_note(member):
    """The public note of our member alice that the captured activities like, boost, quote and reply to."""
    return Note.objects.create(
        object_id=ALICES_NOTE,
        author_url=ALICE,
        author_member=member,
        is_local=True,
        content="<p>The spring market is on Saturday.</p>",
    )


@pytest.fixture
def deliver(fediverse, site_client, django_capture_on_commit_callbacks):
    """
    Return ``deliver(software, name)``: POST the captured activity, signed with its actor's key, to
    our shared inbox; process it (with ``eager_tasks``); return its ``APActivity`` row. The inbox
    must answer 202.
    """
    client = site_client("federation")

    def post(software, name):
        peer, sender = fediverse[software], SENDERS[software]
        activity = peer.read(name)
        assert id_of(activity["actor"]) == peer.url(sender.path), "each software's activities come from its first actor"
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_post(client, SHARED_INBOX, activity, key_id=peer.url(sender.key))
        assert response.status_code == 202, response.content
        return APActivity.objects.get(activity_id=activity["id"])

    return post
