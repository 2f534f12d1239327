"""Our own server as the peer: a live server of this project, found and read through the discovery path."""

from urllib.parse import urlsplit

import pytest

from apps.federation.models import PeerActor
from apps.federation.peers.outcomes import ActorState, HttpStatus, NoPeerUrl
from apps.federation.services import lookup_or_fetch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_server(live_server, settings):
    """Point our sites' origins and internal address at the live server; return its port."""
    port = str(urlsplit(live_server.url).port)
    settings.ROSEASH_PORT = port
    settings.ROSEASH_INTERNAL_URL = live_server.url
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True
    return port


def test_a_site_actor_is_fetched_by_peer_name_in_the_compact_format(own_server, settings):
    settings.ROSEASH_FEDERATION_PEERS = {"blog": f"http://blog.localhost:{own_server}"}

    state = lookup_or_fetch("blog")

    assert isinstance(state, ActorState), state
    assert state.id == f"http://blog.localhost:{own_server}/actors/blog"
    assert state.format == "actor-doc"
    assert state.handle == "blog@blog.localhost"
    assert state.inbox == f"{state.id}/inbox"
    assert [key.id for key in state.public_keys] == [f"{state.id}#main-key"]
    assert PeerActor.objects.get().actor_url == state.id


def test_a_member_is_found_by_webfinger_and_fetched(own_server, member):
    state = lookup_or_fetch("acct:alice@federation.localhost")

    assert isinstance(state, ActorState), state
    assert state.id == f"http://federation.localhost:{own_server}/actors/alice"
    assert state.handle == "alice@federation.localhost"


def test_an_unknown_member_of_our_own_server(own_server):
    assert isinstance(lookup_or_fetch("acct:nobody@federation.localhost"), NoPeerUrl)
    url = f"http://federation.localhost:{own_server}/actors/nobody"
    assert lookup_or_fetch(url) == HttpStatus(url, 404)
