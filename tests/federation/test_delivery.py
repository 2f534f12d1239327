"""
Delivery: signed POSTs to live local peer servers that verify with their own verifier (httpsig),
retries of 5xx exactly until accepted, no retry of a 404, one request per shared inbox, the breaker,
and a real Celery worker processing an inbox and delivering the answer.
"""

import json
import re
import time
from datetime import timedelta

import httpsig
import pytest
from django.utils import timezone
from werkzeug import Response

from apps.federation import tasks
from apps.federation.models import APActivity, Delivery, Follow, PeerActor
from apps.federation.outbound import outbox
from apps.federation.peers.directory import BREAKER_THRESHOLD
from apps.federation.signing import keys
from tests.workers import celery_worker

from .remote import RemoteActor

BLOG = "http://blog.localhost/actors/blog"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_process_tasks")]


def peer_row(url, inbox, shared_inbox=""):
    return PeerActor.objects.create(
        actor_url=url,
        inbox=inbox,
        shared_inbox=shared_inbox,
        document_format="activitystreams",
        fetched_at=timezone.now(),
    )


def follower(url, inbox, shared_inbox=""):
    peer = peer_row(url, inbox, shared_inbox)
    return Follow.objects.create(
        follower_url=url, followee_url=BLOG, follower_peer=peer, state=Follow.State.ACCEPTED, activity_id=url + "#f"
    )


def create_activity(django_capture_on_commit_callbacks, execute=False):
    with django_capture_on_commit_callbacks(execute=execute):
        return outbox.emit(
            BLOG, "Create", {"id": BLOG + "/objects/1", "type": "Note", "content": "hi"}, to_followers=True
        )


class Verifying:
    """A peer inbox that checks each POST's signature with httpsig and answers from a script of statuses."""

    def __init__(self, statuses=(202,)):
        self.public = keys.signing_key().public_key_pem  # read here: the server's thread has no database
        self.statuses = list(statuses)
        self.accepted = []
        self.answers = []

    def __call__(self, request):
        headers = dict(request.headers)
        verifier = httpsig.HeaderVerifier(
            headers,
            self.public,
            required_headers=["(request-target)", "host", "date", "digest"],
            method="POST",
            path=request.path,
            sign_header="signature",
        )
        if not verifier.verify():
            self.answers.append(401)
            return Response("bad signature", status=401)
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        self.answers.append(status)
        if status < 300:
            self.accepted.append(json.loads(request.data))
        return Response("", status=status)


def due_now(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_delivery_is_signed_so_that_an_independent_verifier_accepts_it(
    httpserver, private_allowed, django_capture_on_commit_callbacks
):
    inbox = Verifying()
    httpserver.expect_request("/inbox", method="POST").respond_with_handler(inbox)
    follower(httpserver.url_for("/users/ana"), httpserver.url_for("/users/ana/inbox"), httpserver.url_for("/inbox"))

    activity = create_activity(django_capture_on_commit_callbacks, execute=True)

    assert inbox.answers == [202]
    assert inbox.accepted[0]["id"] == activity.activity_id
    assert Delivery.objects.get().state == "delivered"
    assert APActivity.objects.get(pk=activity.pk).state == "done"


def test_a_peer_answering_500_twice_then_202_gets_the_activity_exactly_once(
    httpserver, private_allowed, django_capture_on_commit_callbacks
):
    inbox = Verifying([500, 500, 202])
    httpserver.expect_request("/inbox", method="POST").respond_with_handler(inbox)
    follower(httpserver.url_for("/users/ana"), httpserver.url_for("/users/ana/inbox"), httpserver.url_for("/inbox"))

    create_activity(django_capture_on_commit_callbacks, execute=True)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.next_attempt_at > timezone.now()
    tasks.sweep_activities()  # not due yet: nothing is sent
    assert inbox.answers == [500]

    for _ in range(2):
        due_now(delivery)
        tasks.sweep_activities()
    tasks.deliver(delivery.pk)  # delivered: a late duplicate of the task sends nothing

    delivery.refresh_from_db()
    assert inbox.answers == [500, 500, 202]
    assert len(inbox.accepted) == 1
    assert (delivery.state, delivery.attempts) == ("delivered", 3)


def test_backoff_grows_with_each_attempt():
    delays = [outbox.backoff(attempt) for attempt in range(1, 6)]

    assert delays == sorted(delays)
    assert delays[0] >= 16
    assert delays[-1] >= 5**4


def test_a_404_is_not_retried(httpserver, private_allowed, django_capture_on_commit_callbacks):
    inbox = Verifying([404])
    httpserver.expect_request("/inbox", method="POST").respond_with_handler(inbox)
    follower(httpserver.url_for("/users/ana"), httpserver.url_for("/users/ana/inbox"), httpserver.url_for("/inbox"))

    create_activity(django_capture_on_commit_callbacks, execute=True)
    delivery = Delivery.objects.get()
    due_now(delivery)
    tasks.sweep_activities()
    tasks.deliver(delivery.pk)

    delivery.refresh_from_db()
    assert inbox.answers == [404]
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 1, 404)


def test_fan_out_to_many_followers_on_one_host_is_one_request_per_shared_inbox(
    httpserver, private_allowed, django_capture_on_commit_callbacks
):
    shared, own = Verifying(), Verifying()
    httpserver.expect_request("/inbox", method="POST").respond_with_handler(shared)
    httpserver.expect_request("/users/solo/inbox", method="POST").respond_with_handler(own)
    for number in range(40):
        url = httpserver.url_for(f"/users/u{number}")
        follower(url, url + "/inbox", httpserver.url_for("/inbox"))
    follower(httpserver.url_for("/users/solo"), httpserver.url_for("/users/solo/inbox"))  # no shared inbox

    create_activity(django_capture_on_commit_callbacks, execute=True)

    assert Delivery.objects.count() == 2
    assert (len(shared.accepted), len(own.accepted)) == (1, 1)


def test_an_open_breaker_holds_deliveries_to_its_host_without_counting_attempts(
    httpserver, private_allowed, django_capture_on_commit_callbacks
):
    inbox = Verifying([503])
    httpserver.expect_request(re.compile(r"/users/u\d+/inbox"), method="POST").respond_with_handler(inbox)
    for number in range(BREAKER_THRESHOLD + 1):
        url = httpserver.url_for(f"/users/u{number}")
        follower(url, url + "/inbox")  # each its own inbox: one delivery each

    create_activity(django_capture_on_commit_callbacks, execute=True)

    attempts = sorted(Delivery.objects.values_list("attempts", flat=True))
    assert len(inbox.answers) == BREAKER_THRESHOLD
    assert attempts == [0] + [1] * BREAKER_THRESHOLD
    assert Delivery.objects.filter(last_error__startswith="breaker open").count() == 1


def test_a_transport_error_is_retried(settings, private_allowed, django_capture_on_commit_callbacks):
    follower("http://127.0.0.1:9/users/x", "http://127.0.0.1:9/users/x/inbox")  # nothing listens on port 9

    create_activity(django_capture_on_commit_callbacks, execute=True)

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, None)
    assert "cannot connect" in delivery.last_error


def test_a_refused_address_is_not_retried(django_capture_on_commit_callbacks):
    follower("http://127.0.0.1:9/users/x", "http://127.0.0.1:9/users/x/inbox")  # loopback: refused

    create_activity(django_capture_on_commit_callbacks, execute=True)

    assert Delivery.objects.get().state == "failed"


def test_the_sweep_expands_what_an_on_commit_task_left_pending(
    httpserver, private_allowed, django_capture_on_commit_callbacks
):
    inbox = Verifying()
    httpserver.expect_request("/inbox", method="POST").respond_with_handler(inbox)
    follower(httpserver.url_for("/users/ana"), httpserver.url_for("/users/ana/inbox"), httpserver.url_for("/inbox"))
    activity = create_activity(django_capture_on_commit_callbacks, execute=False)  # the task was lost
    assert tasks.sweep_activities()["outbound"] == 0  # too young: its own task may still come
    APActivity.objects.filter(pk=activity.pk).update(created=timezone.now() - timedelta(minutes=5))

    assert tasks.sweep_activities()["outbound"] == 1
    assert len(inbox.accepted) == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_the_inbox_and_delivers_the_accept(httpserver, private_allowed, site_client):
    inbox = Verifying()
    httpserver.expect_request("/inbox", method="POST").respond_with_handler(inbox)
    ana = RemoteActor(httpserver).serve()
    follow = ana.activity("Follow", BLOG)

    with celery_worker(queues=("inbox", "delivery"), extra_env={"ROSEASH_FEDERATION_ALLOW_PRIVATE": "true"}):
        response = ana.post(site_client("blog"), BLOG + "/inbox", follow)
        deadline = time.monotonic() + 30
        while not inbox.accepted and time.monotonic() < deadline:
            time.sleep(0.2)

    assert response.status_code == 202
    assert [activity["type"] for activity in inbox.accepted] == ["Accept"]
    assert inbox.accepted[0]["object"]["id"] == follow["id"]
    assert Follow.objects.get(follower_url=ana.id).state == "accepted"
    assert APActivity.objects.get(activity_id=follow["id"]).state == "done"


def test_a_worker_killed_mid_delivery_loses_nothing(httpserver, private_allowed, django_capture_on_commit_callbacks):
    inbox = Verifying()
    httpserver.expect_request("/inbox", method="POST").respond_with_handler(inbox)
    follower(httpserver.url_for("/users/ana"), httpserver.url_for("/users/ana/inbox"), httpserver.url_for("/inbox"))
    create_activity(django_capture_on_commit_callbacks, execute=False)
    delivery_pk = outbox.expand(APActivity.objects.outbound().get().pk)[0]
    assert outbox._claim(delivery_pk, timezone.now()) is not None  # a worker took it, then died

    tasks.sweep_activities()  # the lease holds: nobody else sends it meanwhile
    assert inbox.answers == []
    Delivery.objects.filter(pk=delivery_pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    tasks.sweep_activities()  # the lease has passed: the row is due again

    assert inbox.answers == [202]
    assert Delivery.objects.get().state == "delivered"
