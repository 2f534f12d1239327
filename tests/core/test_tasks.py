from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from apps.core.tasks import clear_expired_sessions
from tests.workers import celery_worker


def make_sessions():
    for expiry in (timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)):
        store = SessionStore()
        store["seen"] = True
        store.set_expiry(expiry)
        store.save()


@pytest.mark.django_db
def test_clearing_sessions_removes_only_the_expired(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    make_sessions()

    clear_expired_sessions.apply().get()
    assert Session.objects.count() == 1


def test_queues_and_schedule_are_declared():
    from roseash.celery import app

    assert {queue.name for queue in app.conf.task_queues} == {"default", "fetch", "inbox", "delivery", "mail"}
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]["task"] in app.tasks


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_a_task_through_the_broker_and_the_result_comes_back():
    make_sessions()

    with celery_worker(queues=("default",)):
        clear_expired_sessions.delay().get(timeout=60)

    assert Session.objects.count() == 1
