"""
The staff's sales figures: orders and revenue per day and per producer over a date range.

Sales are orders paid in the range (by ``paid_at``, UTC days) that were not cancelled; revenue is
what was paid less what was refunded. Two aggregate queries, whatever the range or the number of
orders. Charts are drawn as plain SVG by the template from ``bars``: no script, nothing from a CDN,
nothing the strict Content-Security-Policy would refuse.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate

from apps.core.errors import RoseAshError

from .models import Order, OrderLine, OrderState

__all__ = ["MAX_DAYS", "Bar", "DayFigures", "ProducerFigures", "SalesReport", "bars", "sales_report"]

MAX_DAYS = 366
SOLD = [OrderState.PAID, OrderState.FULFILLED, OrderState.REFUNDED]
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class DayFigures:
    day: date
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class ProducerFigures:
    seller: str
    orders: int
    items: int
    revenue: Decimal


@dataclass(frozen=True)
class SalesReport:
    start: date
    end: date
    days: tuple[DayFigures, ...]
    producers: tuple[ProducerFigures, ...]

    @property
    def orders(self) -> int:
        return sum(day.orders for day in self.days)

    @property
    def revenue(self) -> Decimal:
        return sum((day.revenue for day in self.days), ZERO)


@dataclass(frozen=True)
class Bar:
    """One bar of an SVG chart, in the chart's own units (a viewBox of ``width`` x ``height``)."""

    label: str
    value: object
    x: float
    y: float
    width: float
    height: float


def sales_report(start: date, end: date) -> SalesReport:
    """Return the figures of the days from ``start`` to ``end`` included, every day listed (zeros too)."""
    if end < start:
        raise RoseAshError("range_invalid", "The end date is before the start date.")
    if (end - start).days >= MAX_DAYS:
        raise RoseAshError("range_invalid", f"Choose at most {MAX_DAYS} days.")
    sold = Order.objects.filter(state__in=SOLD, paid_at__date__gte=start, paid_at__date__lte=end)
    per_day = {
        row["day"]: row
        for row in sold.annotate(day=TruncDate("paid_at"))
        .values("day")
        .annotate(orders=Count("id"), paid=Sum("total"), refunded=Sum("refunded_amount"))
    }
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = per_day.get(day)
        revenue = (row["paid"] - row["refunded"]).quantize(CENT) if row else ZERO  # SQLite's sums lose the cents
        days.append(DayFigures(day, row["orders"] if row else 0, revenue))
    producers = (
        OrderLine.objects.filter(order__in=sold)
        .values("seller")
        .annotate(orders=Count("order", distinct=True), items=Sum("quantity"), revenue=Sum(F("line_total")))
        .order_by("-revenue", "seller")
    )
    return SalesReport(
        start,
        end,
        tuple(days),
        tuple(
            ProducerFigures(p["seller"] or "(no seller)", p["orders"], p["items"], p["revenue"].quantize(CENT))
            for p in producers
        ),
    )


def bars(points: list[tuple[str, object]], *, width: float = 600, height: float = 160, gap: float = 0.2) -> list[Bar]:
    """Lay ``(label, value)`` points out as bars filling ``width`` x ``height``, the largest full height."""
    if not points:
        return []
    top = max((float(value) for _, value in points), default=0) or 1
    slot = width / len(points)
    return [
        Bar(
            label=label,
            value=value,
            x=round(index * slot + slot * gap / 2, 2),
            y=round(height - float(value) / top * height, 2),
            width=round(slot * (1 - gap), 2),
            height=round(float(value) / top * height, 2),
        )
        for index, (label, value) in enumerate(points)
    ]
