from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from apps.cart import services as cart
from apps.cart.models import CartLine, Order, OrderEvent, OrderState
from apps.cart.tasks import expire_orders
from apps.core.errors import RoseAshError
from apps.core.sites import get_site
from apps.market.models import Variant
from roseash.celery import app

from .conftest import ADDRESS, TWELVE, add, place

pytestmark = pytest.mark.django_db


def stock(variant):
    return Variant.objects.get(pk=variant.pk).stock


@pytest.fixture
def eager_mail(monkeypatch, settings):
    """Run the mail task in-process, into Django's test outbox."""
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_an_order_freezes_lines_prices_and_address_and_reserves_stock(honey, make_variant):
    jam = make_variant("Jam", price="4.00", stock=None, vat_rate="5.5")
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, "market.variant", str(honey.pk), 2)
    cart.add_to_cart(basket, "market.variant", str(jam.pk), 1)

    order = cart.place_order(basket, email="a@example.org", delivery=ADDRESS, member_id=None)

    assert order.state == OrderState.PENDING
    assert order.number.startswith("RA-")
    assert len(order.number) == 15
    assert (order.total, order.vat_total, order.currency) == (Decimal("28.22"), Decimal("4.22"), "EUR")
    assert [(line.title, line.quantity, line.unit_price, line.seller) for line in order.lines.all()] == [
        (f"{honey.product.name}, Jar", 2, TWELVE, "Hillside Apiary"),
        (f"{jam.product.name}, Jar", 1, Decimal("4.22"), "Hillside Apiary"),
    ]
    assert (order.ship_name, order.ship_city, order.ship_country) == ("Alice Doe", "Paris", "FR")
    assert stock(honey) == 3
    assert stock(jam) is None
    assert not CartLine.objects.filter(cart=basket).exists()

    Variant.objects.filter(pk=honey.pk).update(price="50.00")
    order.refresh_from_db()
    assert order.total == Decimal("28.22")  # frozen


def test_a_price_change_after_adding_is_caught_at_checkout(honey):
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, "market.variant", str(honey.pk), 1)
    Variant.objects.filter(pk=honey.pk).update(price="11.00")

    with pytest.raises(RoseAshError) as refused:
        cart.place_order(basket, email="a@example.org", delivery=ADDRESS, member_id=None)

    assert (refused.value.code, refused.value.status) == ("price_changed", 409)
    assert "now costs 13.20 (was 12.00)" in refused.value.message
    assert Order.objects.count() == 0
    assert stock(honey) == 5
    order = cart.place_order(basket, email="a@example.org", delivery=ADDRESS, member_id=None)  # seen: accepted
    assert order.total == Decimal("13.20")


def test_checkout_refuses_what_is_short_now(honey):
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, "market.variant", str(honey.pk), 4)
    Variant.objects.filter(pk=honey.pk).update(stock=3)
    with pytest.raises(RoseAshError) as refused:
        cart.place_order(basket, email="a@example.org", delivery=ADDRESS, member_id=None)
    assert refused.value.code == "cart_problem"
    assert "Only 3 left" in refused.value.message
    assert (Order.objects.count(), stock(honey)) == (0, 3)


def test_goods_need_an_address(honey):
    basket = cart.cart_of(create=True)
    cart.add_to_cart(basket, "market.variant", str(honey.pk), 1)
    with pytest.raises(RoseAshError) as refused:
        cart.place_order(basket, email="a@example.org", delivery=None, member_id=None)
    assert refused.value.code == "address_missing"
    with pytest.raises(RoseAshError) as empty:
        cart.place_order(cart.cart_of(create=True), email="a@example.org", delivery=ADDRESS, member_id=None)
    assert empty.value.code == "cart_empty"


def test_expiry_cancels_and_releases_stock(honey, eager_mail, django_capture_on_commit_callbacks):
    order = place(honey, 3)
    assert stock(honey) == 2
    assert expire_orders() == 0  # not due yet
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_orders() == 1

    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert stock(honey) == 5
    assert list(order.events.values_list("source", "target", "actor")) == [
        ("", "pending", ""),
        ("pending", "cancelled", "expiry"),
    ]
    assert expire_orders() == 0  # once
    assert stock(honey) == 5
    assert mail.outbox[-1].subject == f"Order {order.number} cancelled"


def test_illegal_moves_are_refused_and_logged_moves_only(honey):
    order = place(honey)
    with pytest.raises(RoseAshError) as refused:
        cart.fulfil_order(order.pk, actor="steward")
    assert refused.value.code == "transition_refused"
    with pytest.raises(RoseAshError):
        cart.refund_order(order.pk, actor="steward")
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_a_members_orders_and_nobody_elses(honey, member, django_user_model, django_assert_num_queries):
    other = django_user_model.objects.create_user("bob", "bob@example.org", "a-long-pass-phrase")
    first, second = place(honey, member_id=member.pk), place(honey, member_id=member.pk)
    theirs = place(honey, member_id=other.pk)
    with django_assert_num_queries(2):
        orders = list(cart.orders_for_member(member))
        assert [[line.quantity for line in o.lines.all()] for o in orders] == [[1], [1]]
    assert [o.number for o in orders] == [second.number, first.number]
    assert cart.get_member_order(member, first.number) == first
    with pytest.raises(RoseAshError) as refused:
        cart.get_member_order(member, theirs.number)
    assert refused.value.status == 404


def checkout_form(**extra):
    return {"email": "visitor@example.org", **ADDRESS.__dict__, **extra}


def test_the_whole_flow_with_the_test_payment_page(
    cart_client, honey, eager_mail, settings, django_capture_on_commit_callbacks
):
    settings.SUMUP_API_KEY = ""
    add(cart_client, honey, 2)
    summary = cart_client.get("/checkout/")
    assert "24.00 EUR" in summary.text
    assert "4.00 EUR" in summary.text

    placed = cart_client.post("/checkout/", checkout_form())

    order = Order.objects.get()
    payment = order.payments.get()
    assert placed.status_code == 302
    assert placed["Location"] == get_site("cart").origin + f"/payments/{payment.reference}/test/"
    page = cart_client.get(f"/payments/{payment.reference}/test/")
    assert "Test payment: no money moves" in page.text
    assert "24.00 EUR" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        paid = cart_client.post(f"/payments/{payment.reference}/test/", {"outcome": "approve"}, follow=True)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert order.paid_at is not None
    assert "Paid" in paid.text
    assert mail.outbox[-1].subject == f"Order {order.number} confirmed"
    assert mail.outbox[-1].to == ["visitor@example.org"]
    assert order.number in mail.outbox[-1].body
    assert order.number in mail.outbox[-1].alternatives[0][0]
    assert stock(honey) == 3


def test_a_declined_test_payment_keeps_the_order_pending_and_payable(cart_client, honey):
    add(cart_client, honey, 1)
    cart_client.post("/checkout/", checkout_form())
    order = Order.objects.get()
    reference = order.payments.get().reference
    cart_client.post(f"/payments/{reference}/test/", {"outcome": "decline"})
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    again = cart_client.post(f"/orders/{order.number}/pay/")
    assert again.status_code == 302
    assert order.payments.count() == 2  # a new attempt, a new reference


def test_checkout_form_asks_for_the_address(cart_client, honey):
    add(cart_client, honey, 1)
    answer = cart_client.post("/checkout/", {"email": "visitor@example.org"})
    assert answer.status_code == 200
    assert "Needed to send your parcel" in answer.text
    assert Order.objects.count() == 0


def test_a_price_change_shows_on_checkout_not_an_error_page(cart_client, honey):
    add(cart_client, honey, 1)
    Variant.objects.filter(pk=honey.pk).update(price="11.00")
    answer = cart_client.post("/checkout/", checkout_form())
    assert answer.status_code == 409
    assert "now costs 13.20 (was 12.00)" in answer.text
    assert "Place order and pay 13.20 EUR" in answer.text


def test_another_buyers_order_and_payment_pages_are_404(site_client, honey, member):
    buyer, stranger = site_client("cart"), site_client("cart")
    add(buyer, honey, 1)
    buyer.post("/checkout/", checkout_form())
    order = Order.objects.get()
    reference = order.payments.get().reference
    assert buyer.get(f"/orders/{order.number}/").status_code == 200
    assert stranger.get(f"/orders/{order.number}/").status_code == 404
    assert stranger.get(f"/payments/{reference}/test/").status_code == 404
    assert stranger.post(f"/payments/{reference}/test/", {"outcome": "approve"}).status_code == 404
    stranger.force_login(member)
    assert stranger.get(f"/orders/{order.number}/").status_code == 404
    order.refresh_from_db()
    assert order.state == OrderState.PENDING


def test_the_test_page_is_gone_when_sumup_is_configured(cart_client, honey, settings):
    add(cart_client, honey, 1)
    cart_client.post("/checkout/", checkout_form())
    reference = Order.objects.get().payments.get().reference
    settings.SUMUP_API_KEY = "sk_test_x"
    assert cart_client.post(f"/payments/{reference}/test/", {"outcome": "approve"}).status_code == 404
    assert Order.objects.get().state == OrderState.PENDING


def test_staff_fulfil_cancel_and_refund_in_admin(site_client, steward, honey, eager_mail):
    paid, pending = place(honey), place(honey)
    payment = cart.start_payment(paid) and paid.payments.get()
    cart.settle_test_payment(payment.reference, approve=True)
    admin = site_client("cart")
    admin.force_login(steward)
    listing = admin.get("/admin/cart/order/", {"q": paid.number})
    assert listing.status_code == 200
    assert paid.number in listing.text

    admin.post("/admin/cart/order/", {"action": "mark_fulfilled", "_selected_action": [paid.pk, pending.pk]})
    paid.refresh_from_db()
    pending.refresh_from_db()
    assert (paid.state, pending.state) == (OrderState.FULFILLED, OrderState.PENDING)

    admin.post("/admin/cart/order/", {"action": "cancel_orders", "_selected_action": [pending.pk]})
    admin.post("/admin/cart/order/", {"action": "refund_in_full", "_selected_action": [paid.pk]})
    paid.refresh_from_db()
    pending.refresh_from_db()
    assert pending.state == OrderState.CANCELLED
    assert (paid.state, paid.refunded_amount) == (OrderState.REFUNDED, TWELVE)
    assert stock(honey) == 4  # the cancelled order's jar is back; the fulfilled one left
    assert paid.events.last().actor == "steward"
