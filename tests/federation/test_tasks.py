"""Tasks on the fetch queue: retry what may pass, not what will not; the sweep refreshes stale peers."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.conf import settings as django_settings
from django.utils import timezone

from apps.federation.models import PeerActor
from apps.federation.tasks import TransientFetchFailure, fetch_peer_actor, refresh_stale_peers
from tests.workers import celery_worker

from .peers import compact_doc, serve

pytestmark = pytest.mark.django_db


def test_the_tasks_are_routed_to_the_fetch_queue_and_the_sweep_is_scheduled():
    from roseash.celery import app

    for name in ("federation.fetch_peer_actor", "federation.refresh_stale_peers"):
        assert name in app.tasks
        assert app.amqp.router.route({}, name)["queue"].name == "fetch"
    assert django_settings.CELERY_BEAT_SCHEDULE["refresh-stale-peers"]["task"] == "federation.refresh_stale_peers"


def test_a_fetch_stores_the_actor(private_allowed, httpserver):
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", compact_doc(url))

    assert fetch_peer_actor.apply(args=(url,)).get() == "ok: shop@localhost"
    assert PeerActor.objects.get().actor_url == url


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [(404, {}, "status 404"), (200, {"id": "https://elsewhere.example/x"}, "bad_actor_doc: ")],
)
def test_4xx_and_bad_documents_are_not_retried(private_allowed, httpserver, status, body, expected):
    url = serve(httpserver, "/actors/shop", body, status=status)

    assert fetch_peer_actor.apply(args=(url,)).get().startswith(expected)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("path", ["/actors/shop", None])
def test_5xx_and_transport_errors_are_retried(private_allowed, httpserver, path):
    url = serve(httpserver, path, {}, status=503) if path else "http://127.0.0.1:9/actors/shop"

    # In-process, Celery hands back the retry it would schedule (with backoff) on a worker.
    with pytest.raises(Retry) as retry:
        fetch_peer_actor.apply(args=(url,))

    assert isinstance(retry.value.exc, TransientFetchFailure)
    assert ("status 503" if path else "transport: cannot connect") in str(retry.value.exc)


def test_the_sweep_refreshes_stale_peers_only(private_allowed, httpserver, eager_tasks):
    stale_url = httpserver.url_for("/actors/stale")
    fresh_url = httpserver.url_for("/actors/fresh")
    serve(httpserver, "/actors/stale", compact_doc(stale_url))
    long_ago = timezone.now() - timedelta(days=3)
    for url, fetched in ((stale_url, long_ago), (fresh_url, timezone.now())):
        PeerActor.objects.create(
            actor_url=url, inbox=f"{url}/inbox", document_format="actor-doc", fetched_at=fetched, public_keys=[]
        )

    assert refresh_stale_peers.apply(kwargs={"spread": 0}).get() == 1

    assert [entry[0].path for entry in httpserver.log] == ["/actors/stale"]
    assert PeerActor.objects.get(actor_url=stale_url).fetched_at > long_ago


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_fetches_a_local_peer_and_the_row_appears(httpserver):
    url = httpserver.url_for("/actors/shop")
    serve(httpserver, "/actors/shop", compact_doc(url))

    with celery_worker(queues=("fetch",), extra_env={"ROSEASH_FEDERATION_ALLOW_PRIVATE": "true"}):
        assert fetch_peer_actor.delay(url).get(timeout=60) == "ok: shop@localhost"

    row = PeerActor.objects.get(actor_url=url)
    assert row.handle == "shop@localhost"
    assert row.public_keys[0]["id"] == f"{url}#main-key"
