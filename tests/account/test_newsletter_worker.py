"""
A real Celery worker sends an issue, is killed (SIGKILL) in the middle, and another resumes it.

The first worker is stopped right after handing one mail to the server and before recording it:
the window where "at least once" would send that mail again. Every recipient must end with exactly
one copy, counted in the files the workers wrote (``mail_backend.RecordingBackend``).
"""

import os
import signal
import time
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from apps.account import services
from apps.account.models import Issue, IssueDelivery, Subscription
from apps.account.newsletters.sending import sweep_newsletters
from tests.workers import celery_worker

from .dashboard import newsletter
from .mail_backend import recipients

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

SUBSCRIBERS = 300
HANG_AFTER = 120  # the first worker stops for good after its 120th mail, in its third batch of 50


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_a_worker_killed_mid_send_is_resumed_and_everyone_gets_exactly_one_copy(tmp_path):
    news = newsletter()
    now = timezone.now()
    Subscription.objects.bulk_create(
        Subscription(newsletter=news, email=f"r{n}@example.org", state="confirmed", requested_at=now)
        for n in range(SUBSCRIBERS)
    )
    issue = Issue.objects.create(newsletter=news, subject="Harvest", body_html="<p>Apples.</p>")
    env = {
        "EMAIL_BACKEND": "tests.account.mail_backend.RecordingBackend",
        "ROSEASH_TEST_MAIL_DIR": str(tmp_path),
        "ROSEASH_NEWSLETTER_BATCH_SIZE": "50",
    }

    with celery_worker(queues=("mail",), extra_env={**env, "ROSEASH_TEST_MAIL_HANG_AFTER": str(HANG_AFTER)}) as first:
        services.start_sending(issue.pk)  # committed: the batch task goes to the broker
        wait_for(lambda: len(recipients(tmp_path)) >= HANG_AFTER, 120, "the first worker's mails")
        time.sleep(0.5)  # it is asleep after the mail, before recording it
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

    assert len(recipients(tmp_path)) == HANG_AFTER
    in_flight = IssueDelivery.objects.get(state=IssueDelivery.State.SENDING)
    assert IssueDelivery.objects.filter(state=IssueDelivery.State.SENT).count() == HANG_AFTER - 1
    assert IssueDelivery.objects.filter(state=IssueDelivery.State.CLAIMED).count() == 150 - HANG_AFTER

    with celery_worker(queues=("mail",), extra_env={**env, "ROSEASH_NEWSLETTER_LEASE_SECONDS": "1"}):
        time.sleep(1.5)  # the dead worker's lease runs out
        outcome = sweep_newsletters.delay().get(timeout=60)  # what beat runs every minute
        assert outcome == {"released": 150 - HANG_AFTER, "uncertain": 1, "issues": 1}
        wait_for(lambda: Issue.objects.get(pk=issue.pk).state == Issue.State.SENT, 120, "the second worker to finish")

    copies = Counter(recipients(tmp_path))
    assert len(copies) == SUBSCRIBERS
    assert set(copies.values()) == {1}
    assert copies[in_flight.email] == 1  # handed over before the crash, and never again
    in_flight.refresh_from_db()
    assert in_flight.state == IssueDelivery.State.UNCERTAIN
    assert IssueDelivery.objects.filter(state=IssueDelivery.State.SENT).count() == SUBSCRIBERS - 1


def test_a_transactional_mail_is_retried_by_a_real_worker_until_the_server_answers(tmp_path):
    env = {
        "EMAIL_BACKEND": "tests.account.mail_backend.RecordingBackend",
        "ROSEASH_TEST_MAIL_DIR": str(tmp_path),
        "ROSEASH_TEST_MAIL_REFUSE_FIRST": "2",
    }
    with celery_worker(queues=("mail",), extra_env=env):
        with transaction.atomic():
            services.queue_mail(["buyer@example.org"], "Your order", "Thank you.")
        wait_for(lambda: recipients(tmp_path), 90, "the mail, after the server refused it twice")
        time.sleep(1)  # time enough for a duplicate to show
    assert recipients(tmp_path) == ["buyer@example.org"]
    assert sorted(path.name for path in tmp_path.glob("refused-*")) == ["refused-1", "refused-2"]
