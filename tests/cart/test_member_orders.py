"""A member's orders on the account site (dashboard, data export, deletion) and on the cart host's "Your orders"."""

import json
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.account import services as account
from apps.cart import members
from apps.cart import services as cart
from apps.cart.mail import send_order_email
from apps.cart.models import Cart, OrderEvent, OrderLine, OrderState
from apps.cart.sales import sales_report
from apps.core.errors import RoseAshError
from apps.core.sites import get_site

from .conftest import ADDRESS, place

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.org", PASSWORD)


@pytest.fixture
def jam(make_variant):
    """Counted by nobody: as many orders as a test wants. 4.00 net + 5.5% VAT = 4.22."""
    return make_variant("Jam", price="4.00", stock=None, vat_rate="5.5")


@pytest.fixture
def dashboard(site_client, member):
    return site_client("account", signed_in=member)


@pytest.fixture
def alice_cart(cart_client, member):
    cart_client.force_login(member)
    return cart_client


def paid(order):
    cart.start_payment(order)
    cart.settle_test_payment(order.payments.get().reference, approve=True)
    order.refresh_from_db()
    return order


def orders_section(html):
    return html.split('id="section-orders"', 1)[1].split("</section>", 1)[0]


def test_the_dashboard_lists_the_members_orders_newest_first_and_no_one_elses(dashboard, member, bob, honey, jam):
    first = paid(place(honey, 2, member_id=member.pk))
    second = place(jam, 3, member_id=member.pk)
    theirs = place(jam, 1, member_id=bob.pk, email="bob@example.org")

    section = orders_section(dashboard.get("/").text)

    cart_origin = get_site("cart").origin
    assert "<h2>Orders</h2>" in dashboard.get("/").text
    assert section.index(second.number) < section.index(first.number)
    assert f'<a href="{cart_origin}/orders/{first.number}/">Order {first.number}</a>' in section
    assert f"{honey.product.name}, Jar \N{MULTIPLICATION SIGN} 2: 24.00 EUR" in section
    assert f"{jam.product.name}, Jar \N{MULTIPLICATION SIGN} 3: 12.66 EUR" in section
    assert "Total <strong>24.00 EUR</strong>" in section
    assert "Paid" in section
    assert "Pending payment" in section
    assert timezone.localtime(first.created_at).strftime("%-d %B %Y") in section
    assert theirs.number not in section
    assert f'<a href="{cart_origin}/orders/">Your orders on the cart site</a>' in section


def test_the_dashboard_shows_the_newest_five_and_links_to_all(dashboard, member, jam):
    placed = [place(jam, member_id=member.pk) for _ in range(members.DASHBOARD_ORDERS + 1)]
    section = orders_section(dashboard.get("/").text)
    assert placed[0].number not in section
    assert all(order.number in section for order in placed[1:])
    assert f'<a href="{get_site("cart").origin}/orders/">All your orders</a>' in section


def test_a_member_without_orders_is_told_so(dashboard):
    assert "No orders yet." in orders_section(dashboard.get("/").text)


def test_the_dashboard_costs_the_same_queries_for_one_order_or_many(dashboard, member, jam, make_variant):
    place(jam, member_id=member.pk)
    dashboard.get("/")  # warm the header's cached fragments
    with CaptureQueriesContext(connection) as one:
        dashboard.get("/")
    other = make_variant("Mead", price="9.00", stock=None)
    for _ in range(7):
        basket = cart.cart_of(create=True)
        cart.add_to_cart(basket, "market.variant", str(jam.pk), 2)
        cart.add_to_cart(basket, "market.variant", str(other.pk), 1)
        cart.place_order(basket, email="alice@example.org", delivery=ADDRESS, member_id=member.pk)
    with CaptureQueriesContext(connection) as many:
        assert dashboard.get("/").status_code == 200
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_the_cart_hosts_orders_page_needs_a_member(cart_client):
    answer = cart_client.get("/orders/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/auth/login?next=/orders/")


def test_the_cart_hosts_orders_page_lists_the_members_orders_a_page_at_a_time(alice_cart, member, bob, jam):
    mine = [place(jam, member_id=member.pk) for _ in range(23)]
    theirs = place(jam, member_id=bob.pk)

    first = alice_cart.get("/orders/")
    second = alice_cart.get("/orders/", {"page": 2})

    assert first.status_code == second.status_code == 200
    assert [o.number for o in first.context["page"]] == [o.number for o in reversed(mine[3:])]
    assert [o.number for o in second.context["page"]] == [o.number for o in reversed(mine[:3])]
    assert "Page 1 of 2" in first.text
    assert f'<h2><a href="{get_site("cart").origin}/orders/{mine[-1].number}/">' in first.text
    assert '<a href="/orders/">Your orders</a>' in alice_cart.get("/").text
    assert '<a rel="next" href="?page=2">Older</a>' in first.text
    assert theirs.number not in first.text + second.text
    assert alice_cart.get("/orders/", {"page": "nonsense"}).status_code == 200


def test_the_orders_page_costs_the_same_queries_for_one_order_or_many(alice_cart, member, jam):
    place(jam, member_id=member.pk)
    alice_cart.get("/orders/")
    with CaptureQueriesContext(connection) as one:
        alice_cart.get("/orders/")
    for _ in range(30):
        place(jam, 2, member_id=member.pk)
    with CaptureQueriesContext(connection) as many:
        assert alice_cart.get("/orders/").status_code == 200
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_another_members_order_page_is_404_by_number(alice_cart, bob, jam):
    theirs = place(jam, member_id=bob.pk)
    assert alice_cart.get(f"/orders/{theirs.number}/").status_code == 404
    assert alice_cart.post(f"/orders/{theirs.number}/pay/").status_code == 404


def test_the_export_holds_the_members_orders(dashboard, member, bob, honey, jam):
    order = paid(place(honey, 2, member_id=member.pk))
    place(jam, member_id=bob.pk, email="bob@example.org")

    answer = dashboard.post("/data/export/", {"password": PASSWORD})

    assert answer.status_code == 200
    [exported] = json.loads(answer.content)["orders"]
    assert exported["number"] == order.number
    assert exported["state"] == "paid"
    assert (exported["total"], exported["vat_total"], exported["currency"]) == ("24.00", "4.00", "EUR")
    assert exported["delivery"] == {
        "name": "Alice Doe",
        "line1": "1 Orchard Lane",
        "line2": "",
        "postcode": "75001",
        "city": "Paris",
        "country": "FR",
        "phone": "",
    }
    assert exported["lines"] == [
        {
            "title": f"{honey.product.name}, Jar",
            "seller": "Hillside Apiary",
            "quantity": 2,
            "unit_price": "12.00",
            "vat_rate": "20.00",
            "line_total": "24.00",
        }
    ]
    assert [(step["from"], step["to"]) for step in exported["history"]] == [("", "pending"), ("pending", "paid")]
    assert "bob@example.org" not in answer.content.decode()


def test_deleting_the_account_anonymises_the_orders_and_keeps_them_for_accounting(member, bob, honey, jam):
    order = paid(place(honey, 2, member_id=member.pk, email="alice@example.org"))
    lines_before = list(OrderLine.objects.filter(order=order).values_list("title", "quantity", "line_total"))
    events_before = OrderEvent.objects.filter(order=order).count()
    theirs = place(jam, member_id=bob.pk, email="bob@example.org")
    cart.add_to_cart(cart.cart_of(member_id=member.pk, create=True), "market.variant", str(jam.pk), 1)
    today = timezone.now().date()
    revenue_before = sales_report(today, today).revenue

    account.delete_account(member, PASSWORD)

    order.refresh_from_db()
    assert order.member_id is None
    assert order.email == "deleted-member@deleted.invalid"
    assert (
        order.ship_name,
        order.ship_line1,
        order.ship_line2,
        order.ship_postcode,
        order.ship_city,
        order.ship_country,
        order.ship_phone,
    ) == ("",) * 7
    assert (order.number, order.state, order.total, order.vat_total) == (
        order.number,
        OrderState.PAID,
        Decimal("24.00"),
        Decimal("4.00"),
    )
    assert order.ships
    assert list(OrderLine.objects.filter(order=order).values_list("title", "quantity", "line_total")) == lines_before
    assert OrderEvent.objects.filter(order=order).count() == events_before
    assert order.payments.count() == 1
    assert not Cart.objects.filter(member_id=member.pk).exists()
    report = sales_report(today, today)
    assert (report.orders, report.revenue) == (1, revenue_before) == (1, Decimal("24.00"))
    theirs.refresh_from_db()
    assert (theirs.member_id, theirs.email, theirs.ship_name) == (bob.pk, "bob@example.org", "Alice Doe")
    assert cart.orders_for_member(member).count() == 0


def test_a_member_who_wants_no_order_mail_still_gets_the_receipt_and_nothing_after(member, jam, mailoutbox):
    order = place(jam, member_id=member.pk)
    account.update_preferences(member, notify_orders=False)

    assert send_order_email(order.pk, "pay") is True
    assert send_order_email(order.pk, "fulfil") is False
    assert [mail.subject for mail in mailoutbox] == [f"Order {order.number} confirmed"]

    account.update_preferences(member, notify_orders=True)
    assert send_order_email(order.pk, "fulfil") is True
    update = mailoutbox[-1]
    preferences = get_site("account").origin + "/preferences/"
    assert update.subject == f"Order {order.number} is on its way"
    assert f"No more updates like this one: {preferences}" in update.body
    assert f'href="{preferences}"' in update.alternatives[0][0]
    assert "No more updates" not in mailoutbox[0].body  # the receipt is not an update


def test_a_visitors_order_mail_offers_no_preferences(jam, mailoutbox):
    order = place(jam)
    assert send_order_email(order.pk, "fulfil") is True
    assert "No more updates" not in mailoutbox[0].body


def test_an_anonymised_order_is_mailed_to_nobody(member, jam, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    order = place(jam, member_id=member.pk)
    account.delete_account(member, PASSWORD)
    assert send_order_email(order.pk, "cancel") is False


def test_a_wrong_password_anonymises_nothing(member, jam):
    order = place(jam, member_id=member.pk)
    with pytest.raises(RoseAshError) as refused:
        account.delete_account(member, "not-it")
    assert refused.value.code == "password_wrong"
    order.refresh_from_db()
    assert (order.member_id, order.email, order.ship_name) == (member.pk, "buyer@example.org", "Alice Doe")


@pytest.mark.django_db(transaction=True)
def test_erasing_belongs_to_the_deletions_transaction(member, jam):
    order = place(jam, member_id=member.pk)
    with pytest.raises(RuntimeError, match="inside atomic"):
        members.erase_member(member)
    with transaction.atomic():
        members.erase_member(member)
    order.refresh_from_db()
    assert order.member_id is None
