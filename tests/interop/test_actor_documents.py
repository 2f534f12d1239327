"""
Every captured actor document is read by discovery as its server serves it (its Content-Type, its
id shape, its extensions) into the inbox, shared inbox, key and handle we deliver and verify with;
profile URLs lead to the actor; the same document as plain JSON is refused.
"""

import json

import pytest

from apps.federation.models import PeerActor
from apps.federation.peers.directory import lookup_or_fetch
from apps.federation.peers.discovery import fetch
from apps.federation.peers.outcomes import ActorState, BadActorDoc
from tests.federation.peers import PEM

from .captured import ACTORS

pytestmark = pytest.mark.django_db


def ids(actor):
    return f"{actor.software}-{actor.document}"


@pytest.mark.parametrize("actor", ACTORS, ids=ids)
def test_the_actor_document_is_read_and_kept(fediverse, actor):
    peer = fediverse[actor.software]
    url = peer.url(actor.path)

    outcome = lookup_or_fetch(url)

    assert isinstance(outcome, ActorState), outcome.describe()
    assert (outcome.id, outcome.handle, outcome.format) == (url, actor.handle, "activitystreams")
    assert (outcome.inbox, outcome.shared_inbox) == (peer.url(actor.inbox), peer.url(actor.shared_inbox))
    assert [(key.id, key.pem) for key in outcome.public_keys] == [(peer.url(actor.key), PEM)]
    stored = PeerActor.objects.get()
    assert (stored.actor_url, stored.handle, stored.inbox) == (url, actor.handle, peer.url(actor.inbox))


@pytest.mark.parametrize(
    ("actor", "alias"),
    [pytest.param(actor, alias, id=f"{actor.software}{alias}") for actor in ACTORS for alias in actor.aliases],
)
def test_a_profile_url_leads_to_the_actor(fediverse, actor, alias):
    peer = fediverse[actor.software]

    outcome = lookup_or_fetch(peer.url(alias))

    assert outcome.ok, outcome.describe()
    assert outcome.id == peer.url(actor.path)
    assert list(PeerActor.objects.values_list("actor_url", flat=True)) == [peer.url(actor.path)]


@pytest.mark.parametrize("actor", ACTORS, ids=ids)
def test_the_actor_document_served_as_plain_json_is_refused(fediverse, actor, httpserver):
    peer = fediverse[actor.software]
    httpserver.clear_all_handlers()
    body = json.dumps(peer.read(actor.document))
    httpserver.expect_request(actor.path).respond_with_data(body, content_type="application/json")

    outcome = fetch(peer.url(actor.path))

    assert isinstance(outcome, BadActorDoc)
    assert "is not an actor document" in outcome.reason
