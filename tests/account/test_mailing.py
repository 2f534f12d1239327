"""Transactional mail: sent through the mail queue once the transaction commits, retried while the server is down."""

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction

from apps.account import services
from apps.account.tasks import send_mail
from roseash.celery import app as celery_app

pytestmark = pytest.mark.django_db

TASKS = (
    "account.send_mail",
    "account.send_email_confirmation",
    "account.send_subscription_confirmation",
    "account.send_issue_batch",
    "account.sweep_newsletters",
)


@pytest.fixture(autouse=True)
def _eager(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def test_mail_tasks_go_to_the_mail_queue_and_the_sweep_is_scheduled(settings):
    for name in TASKS:
        assert name in celery_app.tasks
        assert celery_app.amqp.router.route({}, name)["queue"].name == "mail"
    assert settings.CELERY_BEAT_SCHEDULE["sweep-newsletters"]["task"] == "account.sweep_newsletters"


def test_a_queued_mail_leaves_once_committed_and_never_after_a_rollback(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_mail(["buyer@example.org"], "Your order", "Thank you.", html="<p>Thank you.</p>")
    assert [m.to for m in mail.outbox] == [["buyer@example.org"]]
    assert mail.outbox[0].from_email == "Rose Ash <noreply@localhost>"
    assert mail.outbox[0].alternatives == [("<p>Thank you.</p>", "text/html")]

    def failed_order():
        with transaction.atomic():
            services.queue_mail(["buyer@example.org"], "Another", "Not sent.")
            raise RuntimeError("the order failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failed_order()
    assert len(mail.outbox) == 1


class DownBackend(LocmemBackend):
    """A mail server that refuses connections."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def test_a_mail_is_retried_later_while_the_server_is_down(settings):
    """In a worker the retry is queued with backoff (``RoseAshTask``); in process Celery says so by raising Retry."""
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    with pytest.raises(Retry) as retried:
        send_mail.apply(args=(["buyer@example.org"], "Your ticket", "Here it is."), throw=True)
    assert "the mail server is down" in str(retried.value)
    assert send_mail.max_retries == 8
    assert not mail.outbox
