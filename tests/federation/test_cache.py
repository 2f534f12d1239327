"""``lookup_or_fetch``: warm answers cost no request and no query; failures are cached; a breaker per host."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.federation.models import PeerActor
from apps.federation.peers import directory as peer_cache
from apps.federation.peers.outcomes import ActorState, HttpStatus, NoPeerUrl, TransportError
from apps.federation.services import forget_peer, lookup_or_fetch

from .peers import compact_doc, serve

pytestmark = pytest.mark.django_db


def test_a_cold_lookup_fetches_and_stores_then_a_warm_one_costs_nothing(shop, httpserver, django_assert_num_queries):
    first = lookup_or_fetch("shop")

    assert isinstance(first, ActorState)
    assert len(httpserver.log) == 1
    row = PeerActor.objects.get(actor_url=shop)
    assert (row.peer_name, row.handle, row.failures) == ("shop", "shop@localhost", 0)

    with django_assert_num_queries(0):
        again = lookup_or_fetch("shop")
        by_url = lookup_or_fetch(shop)

    assert again == first == by_url
    assert len(httpserver.log) == 1


def test_a_fresh_row_answers_without_a_request_when_the_cache_is_cold(shop, httpserver):
    lookup_or_fetch("shop")
    peer_cache.cache.clear()

    assert isinstance(lookup_or_fetch("shop"), ActorState)
    assert len(httpserver.log) == 1


def test_a_stale_row_is_fetched_again(shop, httpserver):
    lookup_or_fetch("shop")
    PeerActor.objects.update(fetched_at=timezone.now() - timedelta(days=2))
    peer_cache.cache.clear()

    assert isinstance(lookup_or_fetch("shop"), ActorState)
    assert len(httpserver.log) == 2
    assert not PeerActor.objects.get().is_stale


def test_refresh_fetches_whatever_the_cache_holds(shop, httpserver):
    lookup_or_fetch("shop")

    assert isinstance(lookup_or_fetch("shop", refresh=True), ActorState)
    assert len(httpserver.log) == 2


def test_a_failure_is_cached_briefly(private_allowed, httpserver, django_assert_num_queries):
    url = serve(httpserver, "/actors/gone", {}, "application/json", status=404)

    assert lookup_or_fetch(url) == HttpStatus(url, 404)
    with django_assert_num_queries(0):
        assert lookup_or_fetch(url) == HttpStatus(url, 404)

    assert len(httpserver.log) == 1
    assert not PeerActor.objects.exists()


def test_a_missing_peer_is_cached_briefly(settings):
    settings.ROSEASH_FEDERATION_PEERS = {}

    assert isinstance(lookup_or_fetch("nowhere"), NoPeerUrl)
    assert peer_cache.cache.get(peer_cache._key("nowhere")) == lookup_or_fetch("nowhere")


def test_a_peer_down_for_now_is_served_from_its_last_good_state(shop, httpserver):
    good = lookup_or_fetch("shop")
    PeerActor.objects.update(fetched_at=timezone.now() - timedelta(days=2))
    peer_cache.cache.clear()
    httpserver.clear()
    httpserver.expect_request("/actors/shop").respond_with_data("down", status=503)

    assert lookup_or_fetch("shop") == good
    row = PeerActor.objects.get()
    assert (row.failures, row.last_error) == (1, "status 503")
    assert row.is_stale


def test_a_refresh_reports_the_failure_itself(shop, httpserver):
    lookup_or_fetch("shop")
    httpserver.clear()
    httpserver.expect_request("/actors/shop").respond_with_data("down", status=503)

    assert lookup_or_fetch("shop", refresh=True) == HttpStatus(shop, 503)


def test_the_breaker_stops_asking_a_failing_host(private_allowed, httpserver):
    httpserver.expect_request("/actors/down").respond_with_data("down", status=500)
    urls = [httpserver.url_for(f"/actors/down?n={n}") for n in range(peer_cache.BREAKER_THRESHOLD + 2)]

    outcomes = [lookup_or_fetch(url) for url in urls]

    assert all(isinstance(outcome, HttpStatus) for outcome in outcomes[: peer_cache.BREAKER_THRESHOLD])
    assert all(isinstance(outcome, TransportError) for outcome in outcomes[peer_cache.BREAKER_THRESHOLD :])
    assert "breaker open" in outcomes[-1].reason
    assert len(httpserver.log) == peer_cache.BREAKER_THRESHOLD
    assert peer_cache.breaker_open(f"localhost:{httpserver.port}")


def test_a_success_resets_the_breaker_count(private_allowed, httpserver):
    httpserver.expect_request("/actors/down").respond_with_data("down", status=500)
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", compact_doc(url))
    for n in range(peer_cache.BREAKER_THRESHOLD - 1):
        lookup_or_fetch(httpserver.url_for(f"/actors/down?n={n}"))

    lookup_or_fetch(url)
    lookup_or_fetch(httpserver.url_for("/actors/down?n=last"))

    assert not peer_cache.breaker_open(f"localhost:{httpserver.port}")


def test_a_bad_document_does_not_count_towards_the_breaker(private_allowed, httpserver):
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", compact_doc("https://elsewhere.example/actors/shop"))

    for _ in range(peer_cache.BREAKER_THRESHOLD + 1):
        lookup_or_fetch(url, refresh=True)

    assert not peer_cache.breaker_open(f"localhost:{httpserver.port}")


def test_forgetting_a_peer_drops_its_row_and_cache(shop, httpserver):
    lookup_or_fetch("shop")

    forget_peer(PeerActor.objects.get())

    assert not PeerActor.objects.exists()
    lookup_or_fetch("shop")
    assert len(httpserver.log) == 2
