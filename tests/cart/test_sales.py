import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.cart import services as cart
from apps.cart.models import Order
from apps.market import services as market

from .conftest import place

pytestmark = pytest.mark.django_db


def paid(variant, quantity=1, *, days_ago=0):
    order = place(variant, quantity)
    cart.start_payment(order)
    cart.settle_test_payment(order.payments.get().reference, approve=True)
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=days_ago))
    return order


@pytest.fixture
def staff_client(site_client, steward):
    return site_client("cart", signed_in=steward)


@pytest.fixture
def sold(make_variant, shelf):
    """Today: two orders of Hillside honey (12.00 and 24.00) and one of Millbrook butter; 3 days ago, one jar."""
    dairy = market.create_producer(name="Millbrook Dairy", slug="millbrook")
    honey = make_variant("Honey", stock=50)
    butter_product = market.create_product(producer=dairy, category=shelf, name="Butter")
    butter = market.add_variant(butter_product, name="Pat", sku="BUT-1", price="5.00", vat_rate="0", stock=None)
    orders = [paid(honey, 1), paid(honey, 2), paid(butter, 1), paid(honey, 1, days_ago=3)]
    place(honey, 1)  # pending: not a sale
    return orders


def test_sales_per_day_and_producer(staff_client, sold):
    cart.refund_order(sold[1].pk, Decimal("4.00"), actor="steward")
    today = timezone.now().date()
    page = staff_client.get("/sales/", {"start": today - timedelta(days=6), "end": today})
    assert page.status_code == 200
    report = page.context["report"]
    assert [(d.orders, d.revenue) for d in report.days[-4:]] == [
        (1, Decimal("12.00")),
        (0, Decimal("0.00")),
        (0, Decimal("0.00")),
        (3, Decimal("37.00")),  # 12 + 24 - 4 refunded + 5
    ]
    assert len(report.days) == 7
    assert [(p.seller, p.orders, p.items, p.revenue) for p in report.producers] == [
        ("Hillside Apiary", 3, 4, Decimal("48.00")),
        ("Millbrook Dairy", 1, 1, Decimal("5.00")),
    ]
    assert page.text.count("<rect ") == 7 + 7 + 2
    assert "Millbrook Dairy" in page.text


def test_the_sales_page_reads_the_database_a_fixed_number_of_times(staff_client, make_variant):
    today = timezone.now().date()
    query = {"start": today - timedelta(days=30), "end": today}
    honey = make_variant("Honey", stock=100)
    paid(honey)
    staff_client.get("/sales/", query)
    with CaptureQueriesContext(connection) as few:
        staff_client.get("/sales/", query)
    for n in range(5):
        paid(make_variant(f"More {n}", stock=5), days_ago=n)
    with CaptureQueriesContext(connection) as many:
        staff_client.get("/sales/", query)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_csv_downloads(staff_client, sold):
    today = timezone.now().date()
    days = staff_client.get("/sales/", {"start": today - timedelta(days=3), "end": today, "csv": "days"})
    assert days["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(days.content.decode())))
    assert rows[0] == ["date", "orders", "revenue"]
    assert rows[-1] == [today.isoformat(), "3", "41.00"]
    producers = staff_client.get("/sales/", {"start": today, "end": today, "csv": "producers"})
    rows = list(csv.reader(io.StringIO(producers.content.decode())))
    assert rows[1:] == [["Hillside Apiary", "2", "3", "36.00"], ["Millbrook Dairy", "1", "1", "5.00"]]


def test_a_formula_in_a_producer_name_is_kept_a_text_in_csv(staff_client, shelf):
    sneaky = market.create_producer(name="=HYPERLINK(1)", slug="sneaky")
    product = market.create_product(producer=sneaky, category=shelf, name="Jam")
    paid(market.add_variant(product, name="Jar", sku="J-1", price="1.00", stock=None))
    today = timezone.now().date()
    answer = staff_client.get("/sales/", {"start": today, "end": today, "csv": "producers"})
    assert "'=HYPERLINK(1)" in answer.content.decode()


def test_a_bad_range_is_a_form_error(staff_client):
    answer = staff_client.get("/sales/", {"start": "2026-12-10", "end": "2026-12-01"})
    assert answer.status_code == 400
    assert "The end date is before the start date." in answer.text
    assert staff_client.get("/sales/", {"start": "2024-01-01", "end": "2026-12-01"}).status_code == 400
    assert staff_client.get("/sales/", {"start": "soon", "end": "2026-12-01"}).status_code == 400


def test_only_staff_see_sales(site_client, member):
    visitor = site_client("cart")
    assert visitor.get("/sales/").status_code == 302
    visitor.force_login(member)
    assert visitor.get("/sales/").status_code == 302
