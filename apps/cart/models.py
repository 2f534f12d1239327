"""
Carts, orders and payments.

A cart line is ``(kind, ref, quantity)``: what it is comes from the provider of its kind
(``purchasables``). An order freezes each line's title, seller and prices when it is placed, so a
later change in the market never changes what a buyer was charged. An order's state moves only by
its transitions (django-fsm-2), and each move is written as an ``OrderEvent``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from apps.core.sites import site_url


class Cart(models.Model):
    """A basket: a member's (one each) or a visitor's, whose session on the cart host keeps its id."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="cart"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self):
        return f"Cart {self.pk} of {self.member}" if self.member_id else f"Visitor's cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=40)
    ref = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    #: The unit price the buyer last saw (when adding, or when a change was shown at checkout).
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "kind", "ref"], name="cart_line_one_per_item"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.kind} {self.ref}"


#: The email of an order whose member deleted their account: kept for accounting, mailed never.
ERASED_EMAIL = "deleted-member@deleted.invalid"


class OrderState(models.TextChoices):
    PENDING = "pending", "Pending payment"
    PAID = "paid", "Paid"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class Order(models.Model):
    """What a buyer ordered, at the prices of that moment; paid through SumUp (or the test page)."""

    number = models.CharField(max_length=20, unique=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    email = models.EmailField()
    state = FSMField(default=OrderState.PENDING, choices=OrderState.choices, db_index=True)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    vat_total = models.DecimalField(max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # The delivery address, frozen: blank when nothing ships.
    ships = models.BooleanField(default=False)
    ship_name = models.CharField("name", max_length=150, blank=True)  # as long as a saved address's
    ship_line1 = models.CharField("address", max_length=200, blank=True)
    ship_line2 = models.CharField("address (more)", max_length=200, blank=True)
    ship_postcode = models.CharField("postcode", max_length=20, blank=True)
    ship_city = models.CharField("city", max_length=100, blank=True)
    ship_country = models.CharField("country", max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    ship_phone = models.CharField("phone", max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    #: An unpaid order is cancelled and its stock released after this (the beat task).
    expires_at = models.DateTimeField(db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="cart_order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=models.F("total")),
                name="cart_order_refund_within_total",
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return site_url("cart", "cart:order", kwargs={"number": self.number})

    @property
    def refundable(self):
        return self.total - self.refunded_amount

    # Transitions: the only ways ``state`` changes. ``apps.cart.orders`` calls them under the
    # order's row lock and logs each move (``OrderEvent``) through django-fsm's signal.

    @transition(field=state, source=OrderState.PENDING, target=OrderState.PAID)
    def pay(self):
        """SumUp (or the test page) confirmed the payment."""

    @transition(field=state, source=OrderState.PAID, target=OrderState.FULFILLED)
    def fulfil(self):
        """Staff sent the goods (tickets are issued on payment; this is the goods leaving)."""

    @transition(field=state, source=[OrderState.PENDING, OrderState.PAID], target=OrderState.CANCELLED)
    def cancel(self):
        """Nobody paid in time, or staff cancelled; a paid order is refunded separately first."""

    @transition(
        field=state,
        source=[OrderState.PAID, OrderState.FULFILLED, OrderState.REFUNDED],
        target=OrderState.REFUNDED,
        conditions=[lambda order: order.refunded_amount > 0],
    )
    def refund(self):
        """Money went back, all or part of it: ``refunded_amount`` (raised first) says how much."""


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=40)
    ref = models.CharField(max_length=64)
    title = models.CharField(max_length=250)
    seller = models.CharField(max_length=160, blank=True, db_index=True)
    url = models.URLField(max_length=500, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    ships = models.BooleanField(default=False)
    refunded_quantity = models.PositiveIntegerField(
        default=0, help_text="How many of this line were refunded one by one (a cancelled ticket)."
    )

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} x {self.title}"


class OrderEvent(models.Model):
    """One move of an order's state, or a note about it (a mismatched payment, a refund)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    source = models.CharField(max_length=20, blank=True)
    target = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=500, blank=True)
    actor = models.CharField(max_length=150, blank=True, help_text="Who or what made the move.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.source} → {self.target}" if self.target else self.note


class PaymentStatus(models.TextChoices):
    CREATED = "CREATED", "Created"
    PENDING = "PENDING", "Pending"
    PAID = "PAID", "Paid"
    FAILED = "FAILED", "Failed"
    EXPIRED = "EXPIRED", "Expired"
    MISMATCH = "MISMATCH", "Refused: amount, currency or reference differ"


class Payment(models.Model):
    """One payment attempt of an order: a SumUp checkout with its own reference, or a test payment."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    reference = models.CharField(max_length=64, unique=True)
    test = models.BooleanField(default=False, help_text="Made on the test payment page: no money moved.")
    checkout_id = models.CharField(max_length=64, blank=True, db_index=True)
    hosted_checkout_url = models.URLField(max_length=500, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    transaction_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.reference


class Refund(models.Model):
    """Money given back through SumUp's refund endpoint (or recorded for a test payment)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    actor = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.amount} of {self.order}"
