"""Staff screens of orders: find them, see their lines, payments and history, and move them on."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core.errors import RoseAshError

from . import services
from .models import Order, OrderEvent, OrderLine, Payment, Refund


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["title", "seller", "quantity", "unit_price", "vat_rate", "line_total", "refunded_quantity"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ["reference", "test", "status", "amount", "currency", "checkout_id", "transaction_id", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["amount", "payment", "actor", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "source", "target", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class RefundForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=12)


def _each(modeladmin, request, queryset, action, done):
    """Run ``action(order_id, actor=...)`` on each order, telling staff which ones it refused and why."""
    moved = 0
    for order in queryset.select_related(None).only("pk", "number"):
        try:
            action(order.pk, actor=request.user.get_username())
            moved += 1
        except RoseAshError as exc:
            modeladmin.message_user(request, f"{order.number}: {exc.message}", messages.ERROR)
    if moved:
        modeladmin.message_user(request, f"{moved} order(s) {done}.", messages.SUCCESS)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "email", "state", "total", "currency", "refunded_amount", "created_at", "paid_at"]
    list_filter = ["state", "ships", "created_at", "paid_at"]
    search_fields = ["number", "email", "member__username", "ship_name", "payments__reference", "lines__title"]
    date_hierarchy = "created_at"
    list_select_related = ["member"]
    readonly_fields = ["refund_link", *(field.name for field in Order._meta.fields)]
    inlines = [OrderLineInline, PaymentInline, RefundInline, OrderEventInline]
    actions = ["mark_fulfilled", "cancel_orders", "refund_in_full"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # orders come from checkout

    def has_delete_permission(self, request, obj=None):
        return False  # an order is cancelled, never deleted: its history is the shop's books

    def get_urls(self):
        refund = self.admin_site.admin_view(self.refund_view)
        return [path("<int:order_id>/refund/", refund, name="cart_order_refund"), *super().get_urls()]

    @admin.display(description="Refund")
    def refund_link(self, order):
        if order.pk is None or order.refundable <= 0 or order.state not in ("paid", "fulfilled", "refunded"):
            return "Nothing to refund."
        url = reverse("admin:cart_order_refund", args=[order.pk])
        return format_html('<a href="{}">Refund all or part of {} {}</a>', url, order.refundable, order.currency)

    def refund_view(self, request, order_id):
        """A partial (or full) refund of one order: the amount, then SumUp, then the record."""
        order = get_object_or_404(Order, pk=order_id)
        if not self.has_change_permission(request, order):
            return redirect("admin:index")
        form = RefundForm(request.POST or None, initial={"amount": order.refundable})
        if request.method == "POST" and form.is_valid():
            try:
                services.refund_order(order.pk, form.cleaned_data["amount"], actor=request.user.get_username())
            except RoseAshError as exc:
                form.add_error("amount", exc.message)
            else:
                self.message_user(
                    request, f"Refunded {form.cleaned_data['amount']} {order.currency} of {order.number}."
                )
                return redirect("admin:cart_order_change", order.pk)
        context = {**self.admin_site.each_context(request), "order": order, "form": form, "title": f"Refund {order}"}
        return render(request, "cart/admin/refund.html", context)

    @admin.action(description="Mark fulfilled (goods sent)", permissions=["change"])
    def mark_fulfilled(self, request, queryset):
        _each(self, request, queryset, services.fulfil_order, "marked fulfilled")

    @admin.action(description="Cancel (refunds a paid order in full, releases stock)", permissions=["change"])
    def cancel_orders(self, request, queryset):
        _each(self, request, queryset, services.cancel_order, "cancelled")

    @admin.action(description="Refund what is left to refund", permissions=["change"])
    def refund_in_full(self, request, queryset):
        _each(self, request, queryset, services.refund_order, "refunded")
