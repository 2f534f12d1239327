"""
Inbound processing in batches: one batch takes every pending row in id order, once; the kick
queues at most one batch per window; peers' states are remembered in process memory, briefly.
"""

import time

import psycopg
import pytest
from django.core.cache import caches
from django.db import connection

from apps.federation import tasks
from apps.federation.inbound import actor_lock, processing
from apps.federation.models import APActivity, Follow, PeerActor
from apps.federation.peers import directory as peer_cache
from apps.federation.services import forget_peer, lookup_or_fetch

from .peers import compact_doc, serve

pytestmark = pytest.mark.django_db

BLOG = "http://blog.localhost/actors/blog"
ANA = "http://peer.test/users/ana"


def inbound(number, kind, obj):
    return APActivity.objects.create(
        activity_id=f"{ANA}/activities/{number}",
        direction=APActivity.Direction.IN,
        type=kind,
        actor_url=ANA,
        payload={"id": f"{ANA}/activities/{number}", "type": kind, "actor": ANA, "object": obj},
    )


def test_inbound_processing_is_routed_to_the_inbox_queue():
    from roseash.celery import app

    for name in ("federation.process_pending_inbound", "federation.process_inbound"):
        assert app.amqp.router.route({}, name)["queue"].name == "inbox"


def test_a_batch_processes_every_pending_row_in_the_order_they_were_accepted():
    follow = inbound(1, "Follow", BLOG)
    undo = inbound(2, "Undo", {"id": follow.activity_id, "type": "Follow", "actor": ANA, "object": BLOG})

    assert tasks.process_pending_inbound() == 2

    follow.refresh_from_db()
    undo.refresh_from_db()
    assert (follow.state, undo.state) == ("done", "done")  # the Undo found the Follow: it came first
    assert follow.processed_at <= undo.processed_at
    assert not Follow.objects.exists()


def test_a_second_batch_changes_nothing():
    row = inbound(1, "Follow", BLOG)
    tasks.process_pending_inbound()
    processed = APActivity.objects.get(pk=row.pk).processed_at

    assert tasks.process_pending_inbound() == 0
    assert APActivity.objects.get(pk=row.pk).processed_at == processed
    assert Follow.objects.count() == 1


def test_a_batch_leaves_outbound_and_processed_rows_alone():
    done = inbound(1, "Like", "http://peer.test/notes/1")
    APActivity.objects.filter(pk=done.pk).update(state=APActivity.State.IGNORED)
    outbound = APActivity.objects.create(
        activity_id=BLOG + "/activities/1", direction="out", type="Create", actor_url=BLOG, payload={}
    )

    assert tasks.process_pending_inbound() == 0
    assert APActivity.objects.get(pk=outbound.pk).state == "pending"


def test_a_backlog_longer_than_the_limit_is_handed_on_to_the_next_batch(eager_tasks):
    rows = [inbound(number, "Like", "http://peer.test/notes/1") for number in range(5)]

    assert tasks.process_pending_inbound(limit=2) == 2  # the next batches ran in this process (eager)

    assert {row.state for row in APActivity.objects.filter(pk__in=[row.pk for row in rows])} == {"ignored"}


def test_in_process_tasks_process_each_kicked_row_at_once(eager_tasks):
    follow = inbound(1, "Follow", BLOG)
    processing.kick_inbound_processing()
    assert APActivity.objects.get(pk=follow.pk).state == "done"

    undo = inbound(2, "Undo", {"id": follow.activity_id, "type": "Follow", "actor": ANA, "object": BLOG})
    processing.kick_inbound_processing()  # within the same second: the eager batch consumed the first kick

    assert APActivity.objects.get(pk=undo.pk).state == "done"


@pytest.fixture
def queued(monkeypatch):
    """Record the batches the kick queues instead of publishing them."""
    sent = []
    monkeypatch.setattr(processing._KickWindow, "until", 0.0)
    monkeypatch.setattr(tasks.process_pending_inbound, "apply_async", lambda **options: sent.append(options))
    return sent


def test_the_first_kick_of_a_window_queues_one_batch_to_start_after_it(queued):
    processing.kick_inbound_processing()
    processing.kick_inbound_processing()

    assert queued == [{"countdown": processing.KICK_WINDOW + processing.KICK_MARGIN}]
    assert peer_cache.cache.get(processing.KICK_KEY) is True


def test_another_process_within_the_window_is_covered_by_the_shared_key(queued):
    processing.kick_inbound_processing()
    processing._KickWindow.until = 0.0  # another process: it has no window of its own

    processing.kick_inbound_processing()

    assert len(queued) == 1


def test_a_process_that_lost_the_window_keeps_off_redis_for_a_moment_only(queued, monkeypatch):
    processing.kick_inbound_processing()
    processing._KickWindow.until = 0.0  # another process, which loses the add
    asked = []
    add = peer_cache.cache.add
    monkeypatch.setattr(peer_cache.cache, "add", lambda *args: asked.append(args) or add(*args))

    processing.kick_inbound_processing()
    processing.kick_inbound_processing()  # its next rows, at once: covered, Redis not asked

    assert len(asked) == 1
    assert 0 < processing._KickWindow.until - time.monotonic() <= processing.KICK_MARGIN / 2
    assert len(queued) == 1


def test_a_starting_batch_consumes_the_kick_so_later_rows_kick_again(queued):
    processing.kick_inbound_processing()

    processing.consume_kick()
    processing.kick_inbound_processing()

    assert len(queued) == 2


def test_an_expired_kick_key_lets_the_next_row_kick_again(queued):
    processing.kick_inbound_processing()
    processing._KickWindow.until = 0.0
    peer_cache.cache.delete(processing.KICK_KEY)  # the window's TTL passed (a lost publish, say)

    processing.kick_inbound_processing()

    assert len(queued) == 2


def test_a_replayed_activity_does_not_kick(queued, site_client, django_capture_on_commit_callbacks):
    from apps.federation.inbound.inbox import store

    activity = {"id": ANA + "/activities/1", "type": "Like", "actor": ANA, "object": "http://peer.test/notes/1"}
    with django_capture_on_commit_callbacks() as first:
        store(activity, ANA)
    with django_capture_on_commit_callbacks() as second:
        store(activity, ANA)

    assert (len(first), len(second)) == (1, 0)
    assert APActivity.objects.inbound().count() == 1


def test_a_failed_kick_still_answers_202_and_the_row_waits_for_the_sweep(
    monkeypatch, private_allowed, httpserver, site_client, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from .remote import RemoteActor

    def broker_down(**options):
        raise OperationalError("the broker is down")

    monkeypatch.setattr(processing._KickWindow, "until", 0.0)
    monkeypatch.setattr(tasks.process_pending_inbound, "apply_async", broker_down)
    ana = RemoteActor(httpserver).serve()
    like = ana.activity("Like", "http://blog.localhost/notes/1")

    with django_capture_on_commit_callbacks(execute=True):
        response = ana.post(site_client("blog"), BLOG + "/inbox", like)

    assert response.status_code == 202
    assert APActivity.objects.get(activity_id=like["id"]).state == "pending"
    assert processing._KickWindow.until == 0.0  # the process's next row tries again


# --- the process-local memory of peers' states ---


@pytest.fixture
def peer(private_allowed, httpserver):
    return serve(httpserver, "/actors/shop", compact_doc(httpserver.url_for("/actors/shop")))


def test_a_good_state_is_remembered_without_the_shared_cache_for_a_minute(peer, django_assert_num_queries):
    first = lookup_or_fetch(peer)
    lookup_or_fetch(peer)  # read from the shared cache, then remembered
    peer_cache.cache.clear()

    with django_assert_num_queries(0):
        assert lookup_or_fetch(peer) == first
    caches["process"].clear()  # what a minute does
    with django_assert_num_queries(1):  # forgotten: the shared cache is empty, so the stored row answers
        assert lookup_or_fetch(peer) == first


def test_a_refetch_replaces_the_remembered_state(peer, httpserver):
    lookup_or_fetch(peer)
    lookup_or_fetch(peer)
    httpserver.clear()
    serve(httpserver, "/actors/shop", compact_doc(peer, name="The new shop"))

    lookup_or_fetch(peer, refresh=True)

    assert lookup_or_fetch(peer).name == "The new shop"


def test_forgetting_a_peer_forgets_its_remembered_state(peer, httpserver):
    lookup_or_fetch(peer)
    lookup_or_fetch(peer)
    forget_peer(PeerActor.objects.get(actor_url=peer))
    httpserver.clear()
    serve(httpserver, "/actors/shop", compact_doc(peer, name="Back again"))

    assert lookup_or_fetch(peer).name == "Back again"


@pytest.mark.postgresql(reason="SQLite takes one writer at a time and has no advisory locks")
def test_an_actor_another_worker_holds_is_passed_over_and_the_others_are_handled():
    """Batches share a backlog by actor: one actor's activities keep their order, others go on."""
    bob = "http://peer.test/users/bob"
    follow = inbound(1, "Follow", BLOG)
    undo = inbound(2, "Undo", {"id": follow.activity_id, "type": "Follow", "actor": ANA, "object": BLOG})
    bobs = APActivity.objects.create(
        activity_id=f"{bob}/activities/1",
        direction="in",
        type="Follow",
        actor_url=bob,
        payload={"id": f"{bob}/activities/1", "type": "Follow", "actor": bob, "object": BLOG},
    )
    settings = connection.settings_dict
    other_worker = psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    )
    try:
        other_worker.execute("SELECT pg_advisory_xact_lock(%s)", [actor_lock._key(ANA)])  # handling ana's

        tasks.process_pending_inbound()

        states = dict(APActivity.objects.inbound().values_list("activity_id", "state"))
        assert states[bobs.activity_id] == "done"
        assert (states[follow.activity_id], states[undo.activity_id]) == ("pending", "pending")
    finally:
        other_worker.rollback()  # the other worker's transaction ends
        other_worker.close()

    tasks.process_pending_inbound()

    assert set(APActivity.objects.inbound().values_list("state", flat=True)) == {"done"}
    assert not Follow.objects.filter(follower_url=ANA).exists()  # the Follow, then its Undo


@pytest.mark.django_db(transaction=True)
def test_two_real_workers_share_a_backlog_and_keep_each_actors_order():
    """Eight actors each Follow and Undo ten times, interleaved; two workers run overlapping batches."""
    from roseash.celery import app
    from tests.workers import celery_worker

    actors = [f"http://peer{n}.test/users/u{n}" for n in range(8)]
    rows = []
    for pair in range(10):
        for actor in actors:
            follow_id = f"{actor}/follows/{pair}"
            follow = {"id": follow_id, "type": "Follow", "actor": actor, "object": BLOG}
            undo = {"id": f"{actor}/undos/{pair}", "type": "Undo", "actor": actor, "object": follow}
            rows += [(actor, follow), (actor, undo)]
    APActivity.objects.bulk_create(
        APActivity(activity_id=payload["id"], direction="in", type=payload["type"], actor_url=actor, payload=payload)
        for actor, payload in rows
    )

    with celery_worker(queues=("inbox",)), celery_worker(queues=("inbox",)):
        for _ in range(2):
            app.send_task("federation.process_pending_inbound")
        deadline = time.monotonic() + 90
        while APActivity.objects.inbound().filter(state="pending").exists():
            assert time.monotonic() < deadline, "the workers did not process the backlog"
            time.sleep(0.2)

    assert set(APActivity.objects.inbound().values_list("state", flat=True)) == {"done"}
    assert not Follow.objects.exists()  # every Undo came after its Follow
