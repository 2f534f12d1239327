"""The admin for peers and keys: search, filters, actions; the private key is never shown."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.federation.models import PeerActor
from apps.federation.services import lookup_or_fetch
from apps.federation.signing import keys

from .peers import compact_doc, serve

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/federation/peeractor/"


@pytest.fixture
def admin_client(site_client, steward):
    return site_client("federation", signed_in=steward)


def make_peer(name, *, days_old=0, failures=0):
    return PeerActor.objects.create(
        actor_url=f"https://{name}.example/actors/{name}",
        handle=f"{name}@{name}.example",
        inbox=f"https://{name}.example/inbox",
        document_format="actor-doc",
        fetched_at=timezone.now() - timedelta(days=days_old),
        failures=failures,
    )


def listed(response):
    return {peer.handle for peer in response.context["cl"].result_list}


def test_the_peer_list_searches_and_filters(admin_client):
    make_peer("fresh")
    make_peer("stale", days_old=3)
    make_peer("failing", failures=4)

    assert listed(admin_client.get(CHANGELIST)) == {
        "fresh@fresh.example",
        "stale@stale.example",
        "failing@failing.example",
    }
    assert listed(admin_client.get(CHANGELIST, {"q": "stale"})) == {"stale@stale.example"}
    assert listed(admin_client.get(CHANGELIST, {"stale": "yes"})) == {"stale@stale.example"}
    assert listed(admin_client.get(CHANGELIST, {"stale": "no"})) == {"fresh@fresh.example", "failing@failing.example"}
    assert listed(admin_client.get(CHANGELIST, {"failing": "yes"})) == {"failing@failing.example"}


def test_refresh_now_fetches_the_selected_peers(
    eager_tasks, admin_client, private_allowed, httpserver, django_capture_on_commit_callbacks
):
    url = serve(httpserver, "/actors/shop", compact_doc(httpserver.url_for("/actors/shop")))
    lookup_or_fetch(url)
    peer = PeerActor.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(CHANGELIST, {"action": "refresh_now", "_selected_action": [peer.pk]}, follow=True)

    assert "Queued a fetch of 1 peer" in response.content.decode()
    assert len(httpserver.log) == 2


def test_forget_deletes_the_row_and_its_cache_entry(admin_client, private_allowed, httpserver):
    url = serve(httpserver, "/actors/shop", compact_doc(httpserver.url_for("/actors/shop")))
    lookup_or_fetch(url)

    admin_client.post(CHANGELIST, {"action": "forget", "_selected_action": [PeerActor.objects.get().pk]})

    assert not PeerActor.objects.exists()
    lookup_or_fetch(url)
    assert len(httpserver.log) == 2


def test_peers_cannot_be_added_by_hand(admin_client):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_the_instance_key_admin_never_shows_the_private_key(admin_client):
    key = keys.signing_key()

    page = admin_client.get(f"/admin/federation/instancekey/{key.pk}/change/").content.decode()
    listing = admin_client.get("/admin/federation/instancekey/").content.decode()

    assert "BEGIN PUBLIC KEY" in page
    assert "PRIVATE" not in page
    assert "PRIVATE" not in listing
    assert key.private_key_pem.splitlines()[1] not in page
    assert admin_client.get("/admin/federation/instancekey/add/").status_code == 403
    assert admin_client.post(f"/admin/federation/instancekey/{key.pk}/delete/").status_code == 403


def test_retrying_an_inbound_activity_that_gave_up_starts_it_afresh(
    admin_client, django_capture_on_commit_callbacks, monkeypatch
):
    from apps.federation import tasks
    from apps.federation.models import APActivity

    gave_up = APActivity.objects.create(
        activity_id="https://far.example/activities/1",
        direction=APActivity.Direction.IN,
        type="Announce",
        actor_url="https://far.example/users/ana",
        payload={},
        state=APActivity.State.FAILED,
        error="gave up after 6 attempts: timeout",
        attempts=6,
    )
    queued = []
    monkeypatch.setattr(tasks.process_inbound, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/federation/apactivity/", {"action": "retry", "_selected_action": [str(gave_up.pk)]}
        )

    assert response.status_code == 302
    gave_up.refresh_from_db()
    assert (gave_up.state, gave_up.error, gave_up.attempts) == (APActivity.State.PENDING, "", 0)
    assert queued == [gave_up.activity_id]
