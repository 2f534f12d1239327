"""Staff screens of orders: find them, see their lines, payments and history, and move them on."""

from django.contrib import admin, messages

from apps.core.errors import RoseAshError

from . import services
from .models import Order, OrderEvent, OrderLine, Payment, Refund


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["title", "seller", "quantity", "unit_price", "vat_rate", "line_total"]
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
    readonly_fields = [field.name for field in Order._meta.fields]
    inlines = [OrderLineInline, PaymentInline, RefundInline, OrderEventInline]
    actions = ["mark_fulfilled", "cancel_orders", "refund_in_full"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # orders come from checkout

    def has_delete_permission(self, request, obj=None):
        return False  # an order is cancelled, never deleted: its history is the shop's books

    @admin.action(description="Mark fulfilled (goods sent)", permissions=["change"])
    def mark_fulfilled(self, request, queryset):
        _each(self, request, queryset, services.fulfil_order, "marked fulfilled")

    @admin.action(description="Cancel (refunds a paid order in full, releases stock)", permissions=["change"])
    def cancel_orders(self, request, queryset):
        _each(self, request, queryset, services.cancel_order, "cancelled")

    @admin.action(description="Refund what is left to refund", permissions=["change"])
    def refund_in_full(self, request, queryset):
        _each(self, request, queryset, services.refund_order, "refunded")
