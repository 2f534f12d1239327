"""Paying through SumUp, against a local server answering as SumUp's Checkouts API."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.cart import services as cart
from apps.cart.checks import check_sumup
from apps.cart.models import Order, OrderEvent, OrderState, Payment, PaymentStatus
from apps.cart.payments import refunds, sumup
from apps.cart.tasks import expire_orders
from apps.core.errors import RoseAshError
from apps.core.sites import get_site
from apps.market.models import Variant

from .conftest import ADDRESS, add
from .sumup_server import KEY, MERCHANT, FakeSumUp


@pytest.fixture
def fake_sumup(httpserver, settings):
    settings.SUMUP_API_URL = httpserver.url_for("/").rstrip("/")
    settings.SUMUP_API_KEY = KEY
    settings.SUMUP_MERCHANT_CODE = MERCHANT
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True  # the fake SumUp listens on loopback
    return FakeSumUp(httpserver)


@pytest.fixture
def order(db, honey, tickets):
    """A pending order of a jar (12.00) and two tickets (10.00): 22.00 EUR."""
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, "market.variant", str(honey.pk), 1)
    cart.add_to_cart(basket, "test.ticket", "gig-1", 2)
    return cart.place_order(basket, email="buyer@example.org", delivery=ADDRESS, member_id=None)


def webhook(client, checkout_id, shape="classic"):
    body = (
        {"event_type": "CHECKOUT_STATUS_CHANGED", "id": checkout_id}
        if shape == "classic"
        else {"event_type": "checkout.status.updated", "payload": {"checkout_id": checkout_id}, "timestamp": "x"}
    )
    return client.post("/payments/sumup/webhook/", json.dumps(body), content_type="application/json")


@pytest.fixture
def sumup_client(site_client):
    return site_client("cart")


def started(order):
    url = cart.start_payment(order)
    payment = order.payments.get()
    return url, payment


@pytest.mark.django_db
def test_paid(order, fake_sumup, sumup_client, tickets, django_capture_on_commit_callbacks):
    url, payment = started(order)
    assert url == f"https://checkout.sumup.example/pay/{payment.checkout_id}"
    method, path, sent = fake_sumup.requests[0]
    assert (method, path) == ("POST", "/v0.1/checkouts")
    assert sent["checkout_reference"] == payment.reference
    assert (sent["amount"], sent["currency"], sent["merchant_code"]) == (22.0, "EUR", MERCHANT)
    assert sent["return_url"] == get_site("cart").origin + "/payments/sumup/webhook/"
    assert sent["redirect_url"] == get_site("cart").origin + f"/payments/{payment.reference}/return/"
    assert sent["hosted_checkout"] == {"enabled": True}
    assert sent["valid_until"] == order.expires_at.isoformat(timespec="seconds")  # no payment after expiry

    fake_sumup.set_status(payment.checkout_id, "PAID")
    with django_capture_on_commit_callbacks(execute=True):
        answer = webhook(sumup_client, payment.checkout_id)

    assert answer.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.state == OrderState.PAID
    assert (payment.status, payment.transaction_id) == (PaymentStatus.PAID, f"tx-{payment.checkout_id}")
    assert tickets.fulfilled == [(order.number, {"gig-1": 2})]
    assert fake_sumup.requests[-1][:2] == ("GET", f"/v0.1/checkouts/{payment.checkout_id}")  # re-fetched


@pytest.mark.django_db
def test_either_webhook_shape_is_accepted_and_other_events_ignored(order, fake_sumup, sumup_client):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    assert webhook(sumup_client, "co-unknown", shape="new").json() == {"ignored": "no such checkout here"}
    other = sumup_client.post(
        "/payments/sumup/webhook/", json.dumps({"event_type": "PAYOUT"}), content_type="application/json"
    )
    assert other.json() == {"ignored": "not a checkout status event"}
    assert sumup_client.post("/payments/sumup/webhook/", "{nope", content_type="application/json").status_code == 400
    assert webhook(sumup_client, payment.checkout_id, shape="new").json() == {"status": "PAID"}
    order.refresh_from_db()
    assert order.state == OrderState.PAID


@pytest.mark.django_db
def test_failed_then_paid(order, fake_sumup, sumup_client, tickets):
    _url, first = started(order)
    fake_sumup.set_status(first.checkout_id, "FAILED")
    assert webhook(sumup_client, first.checkout_id).json() == {"status": "FAILED"}
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert tickets.fulfilled == []

    cart.start_payment(order)  # the buyer tries again: a new attempt, a new reference
    second = order.payments.exclude(pk=first.pk).get()
    assert second.reference != first.reference
    fake_sumup.set_status(second.checkout_id, "PAID")
    assert webhook(sumup_client, second.checkout_id).json() == {"status": "PAID"}
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert len(tickets.fulfilled) == 1


@pytest.mark.django_db
def test_expired_checkout_leaves_the_order_pending(order, fake_sumup, sumup_client, tickets):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "EXPIRED")
    assert webhook(sumup_client, payment.checkout_id).json() == {"status": "EXPIRED"}
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert tickets.fulfilled == []


@pytest.mark.django_db
def test_a_forged_webhook_for_an_unpaid_checkout_changes_nothing(order, fake_sumup, sumup_client, tickets):
    _url, payment = started(order)  # SumUp says PENDING: nobody paid
    assert webhook(sumup_client, payment.checkout_id).json() == {"status": "PENDING"}
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert tickets.fulfilled == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [{"amount": 0.22}, {"currency": "GBP"}, {"checkout_reference": "RA-000000-OTHER-1"}],
    ids=["amount", "currency", "reference"],
)
def test_a_paid_checkout_that_differs_is_refused(order, fake_sumup, sumup_client, tickets, changes):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID", **changes)
    assert webhook(sumup_client, payment.checkout_id).json() == {"status": "MISMATCH"}
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert tickets.fulfilled == []
    assert "refused" in OrderEvent.objects.filter(order=order).last().note


@pytest.mark.django_db
def test_a_webhook_replayed_many_times_fulfils_once(
    order, fake_sumup, sumup_client, tickets, django_capture_on_commit_callbacks
):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    with django_capture_on_commit_callbacks(execute=False) as sent:
        for shape in ["classic", "new"] * 5:
            assert webhook(sumup_client, payment.checkout_id, shape).status_code == 200
    assert len(tickets.fulfilled) == 1
    assert OrderEvent.objects.filter(order=order, target=OrderState.PAID).count() == 1
    assert len(sent) == 1  # one confirmation email


@pytest.mark.postgresql(reason="concurrent webhooks on real row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_webhooks_fulfil_once(order, fake_sumup, tickets):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    start = threading.Barrier(12)

    def deliver(shape):
        try:
            start.wait()
            return webhook(Client(HTTP_HOST=get_site("cart").host), payment.checkout_id, shape).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(deliver, ["classic", "new"] * 6))

    assert statuses == [200] * 12
    assert tickets.fulfilled == [(order.number, {"gig-1": 2})]
    assert OrderEvent.objects.filter(order=order, target=OrderState.PAID).count() == 1


@pytest.mark.django_db
def test_sumup_down_or_slow_keeps_the_order_pending(order, fake_sumup, sumup_client, monkeypatch, tickets):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    fake_sumup.broken = True
    assert webhook(sumup_client, payment.checkout_id).status_code == 503  # SumUp retries later
    order.refresh_from_db()
    assert order.state == OrderState.PENDING

    fake_sumup.broken = False
    fake_sumup.delay = 1.5
    monkeypatch.setattr(sumup, "DEADLINE", 0.5)
    assert webhook(sumup_client, payment.checkout_id).status_code == 503
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert tickets.fulfilled == []

    fake_sumup.delay = 0
    time.sleep(1.2)  # the one-threaded fake finishes its slow answer first
    assert webhook(sumup_client, payment.checkout_id).json() == {"status": "PAID"}


@pytest.mark.django_db
def test_sumup_down_at_checkout_keeps_the_order(order, fake_sumup):
    fake_sumup.broken = True
    with pytest.raises(RoseAshError) as refused:
        cart.start_payment(order)
    assert refused.value.code == "payment_unavailable"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING


@pytest.mark.django_db
def test_a_duplicate_reference_recovers_the_existing_checkout(order, fake_sumup, monkeypatch):
    _url, payment = started(order)
    again = sumup.create_checkout(
        reference=payment.reference,
        amount=order.total,
        currency="EUR",
        description="again",
        return_url="https://x/",
        redirect_url="https://x/",
    )
    assert again.id == payment.checkout_id
    assert [r[:2] for r in fake_sumup.requests[-2:]] == [("POST", "/v0.1/checkouts"), ("GET", "/v0.1/checkouts")]
    assert len(fake_sumup.checkouts) == 1


@pytest.mark.django_db
def test_the_return_page_shows_the_result(site_client, honey, fake_sumup):
    buyer = site_client("cart")
    add(buyer, honey, 1)
    placed = buyer.post("/checkout/", {"email": "b@example.org", **ADDRESS.__dict__})
    payment = Payment.objects.get()
    assert placed["Location"] == payment.hosted_checkout_url
    fake_sumup.set_status(payment.checkout_id, "PAID")

    page = buyer.get(f"/payments/{payment.reference}/return/", follow=True)

    assert "Thank you: your payment is confirmed." in page.text
    assert Order.objects.get().state == OrderState.PAID
    assert site_client("cart").get(f"/payments/{payment.reference}/return/").status_code == 404  # not theirs


@pytest.mark.django_db
def test_full_and_partial_refunds(order, fake_sumup, sumup_client, django_capture_on_commit_callbacks):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    webhook(sumup_client, payment.checkout_id)
    transaction_id = f"tx-{payment.checkout_id}"

    with django_capture_on_commit_callbacks(execute=False):
        cart.refund_order(order.pk, Decimal("5.50"), actor="steward")
    order.refresh_from_db()
    assert (order.state, order.refunded_amount) == (OrderState.REFUNDED, Decimal("5.50"))
    assert fake_sumup.refunds == [(transaction_id, 5.5)]

    with pytest.raises(RoseAshError) as refused:
        cart.refund_order(order.pk, Decimal("20.00"), actor="steward")
    assert refused.value.code == "refund_invalid"
    assert len(fake_sumup.refunds) == 1

    cart.refund_order(order.pk, actor="steward")  # the rest
    order.refresh_from_db()
    assert order.refunded_amount == order.total == Decimal("22.00")
    assert fake_sumup.refunds[-1] == (transaction_id, 16.5)
    with pytest.raises(RoseAshError):
        cart.refund_order(order.pk, actor="steward")


@pytest.mark.django_db
def test_a_full_refund_in_one_go_names_no_amount(order, fake_sumup, sumup_client):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    webhook(sumup_client, payment.checkout_id)
    cart.refund_order(order.pk, actor="steward")
    assert fake_sumup.refunds == [(f"tx-{payment.checkout_id}", None)]
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED


@pytest.mark.django_db
def test_a_refund_sumup_refuses_is_not_recorded(order, fake_sumup, sumup_client):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    webhook(sumup_client, payment.checkout_id)
    fake_sumup.broken = True
    with pytest.raises(RoseAshError) as refused:
        cart.refund_order(order.pk, actor="steward")
    assert refused.value.code == "refund_failed"
    order.refresh_from_db()
    assert (order.state, order.refunded_amount) == (OrderState.PAID, Decimal("0.00"))


@pytest.mark.django_db
def test_expiry_looks_at_sumup_first(order, fake_sumup, honey):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")  # paid, but the webhook was lost
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert expire_orders() == 0
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert Variant.objects.get(pk=honey.pk).stock == 4
    assert mail.outbox == []  # the email goes on commit, by the task


@pytest.mark.django_db
def test_a_second_refund_while_one_is_under_way_is_refused(order, fake_sumup, sumup_client):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    webhook(sumup_client, payment.checkout_id)
    with refunds.one_refund_at_a_time(order.pk), pytest.raises(RoseAshError) as refused:
        cart.refund_order(order.pk, actor="other steward")
    assert refused.value.code == "refund_busy"
    assert fake_sumup.refunds == []
    cart.refund_order(order.pk, actor="steward")  # the lock is gone with the first refund
    assert len(fake_sumup.refunds) == 1


def test_a_key_without_merchant_code_stops_start_up(settings):
    settings.SUMUP_API_KEY = KEY
    settings.SUMUP_MERCHANT_CODE = ""
    assert [error.id for error in check_sumup()] == ["cart.E001"]
    settings.SUMUP_MERCHANT_CODE = MERCHANT
    assert check_sumup() == []
    settings.SUMUP_API_URL = "api.sumup.com"
    assert [error.id for error in check_sumup()] == ["cart.E002"]


@pytest.mark.django_db
def test_staff_refund_part_of_an_order_in_admin(order, fake_sumup, sumup_client, site_client, steward):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    webhook(sumup_client, payment.checkout_id)
    admin = site_client("cart")
    admin.force_login(steward)
    assert "Refund all or part of 22.00 EUR" in admin.get(f"/admin/cart/order/{order.pk}/change/").text

    too_much = admin.post(f"/admin/cart/order/{order.pk}/refund/", {"amount": "30.00"})
    assert too_much.status_code == 200
    assert "Refund between 0.01 and 22.00 EUR" in too_much.text
    done = admin.post(f"/admin/cart/order/{order.pk}/refund/", {"amount": "7.25"})

    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.refunded_amount) == (OrderState.REFUNDED, Decimal("7.25"))
    assert fake_sumup.refunds == [(f"tx-{payment.checkout_id}", 7.25)]
    assert site_client("cart").get(f"/admin/cart/order/{order.pk}/refund/").status_code == 302  # staff only


@pytest.mark.django_db
def test_paying_again_reuses_the_checkout_still_waiting(order, fake_sumup):
    first_url, payment = started(order)
    assert cart.start_payment(order) == first_url  # back without paying, "Pay" again
    assert order.payments.count() == 1
    assert len(fake_sumup.checkouts) == 1

    fake_sumup.set_status(payment.checkout_id, "PAID")  # paid on the first page meanwhile
    assert cart.start_payment(order) == order.get_absolute_url()
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert len(fake_sumup.checkouts) == 1


@pytest.mark.django_db
def test_one_item_is_refunded_through_sumup_by_its_lines_price_and_never_twice(order, fake_sumup, sumup_client):
    _url, payment = started(order)
    fake_sumup.set_status(payment.checkout_id, "PAID")
    webhook(sumup_client, payment.checkout_id)
    transaction_id = f"tx-{payment.checkout_id}"
    line = order.lines.get(kind="test.ticket")

    fake_sumup.broken = True
    with pytest.raises(RoseAshError) as refused:
        cart.refund_order_item(order.number, "test.ticket", "gig-1", 1)
    assert refused.value.code == "refund_failed"
    line.refresh_from_db()
    assert line.refunded_quantity == 0  # SumUp refused: nothing recorded
    fake_sumup.broken = False

    cart.refund_order_item(order.number, "test.ticket", "gig-1", 1, actor="cancelled ticket")
    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.state, order.refunded_amount, line.refunded_quantity) == (OrderState.REFUNDED, line.unit_price, 1)
    assert fake_sumup.refunds == [(transaction_id, float(line.unit_price))]  # a partial refund names its amount

    with pytest.raises(RoseAshError) as refused:
        cart.refund_order_item(order.number, "test.ticket", "gig-1", 2)  # one is left, not two
    assert (refused.value.code, refused.value.status) == ("refund_invalid", 409)
    with pytest.raises(RoseAshError) as refused:
        cart.refund_order_item("RA-000000-NONE", "test.ticket", "gig-1", 1)
    assert refused.value.status == 404
    cart.refund_order_item(order.number, "test.ticket", "gig-1", 1)
    assert len(fake_sumup.refunds) == 2
    assert Order.objects.get(pk=order.pk).refunded_amount == line.unit_price * 2
