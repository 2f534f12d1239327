"""The cart's tasks on a real Celery worker: emails go through the mail queue."""

import pytest

from apps.cart import services as cart
from apps.cart.mail import send_order_email
from tests.workers import celery_worker

from .conftest import place


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_mail_queue_sends_the_confirmation(honey):
    order = place(honey, 2)
    cart.start_payment(order)
    cart.settle_test_payment(order.payments.get().reference, approve=True)

    with celery_worker(queues=("mail",)):  # no other queue: a task routed elsewhere would never run
        assert send_order_email.delay(order.pk, "pay").get(timeout=60) is True
        assert send_order_email.delay(order.pk, "unknown").get(timeout=60) is False
