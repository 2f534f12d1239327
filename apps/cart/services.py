"""
What the cart does, for its own views, admin and tasks, and for other apps: the door through which
market and events sell (the purchasable registry) and the account dashboard reads a member's orders.

The work lives in small modules (``carts``, ``orders``, ``payments``); this module is their one
public face, as import-linter requires of every app.
"""

from .carts import (
    MAX_QUANTITY,
    CartItem,
    CartView,
    add_to_cart,
    cart_of,
    change_quantity,
    merge_carts,
    remove_line,
    view_cart,
)
from .orders import (
    Delivery,
    expire_due_orders,
    expire_order,
    fulfil_order,
    get_member_order,
    order_for_buyer,
    orders_for_member,
    place_order,
    remember_delivery,
    saved_addresses_for,
)
from .payments.paying import (
    checkout_id_from_webhook,
    payment_for_buyer,
    recheck_payments,
    settle_test_payment,
    start_payment,
    sumup_enabled,
    sync_checkout,
    sync_payment,
)
from .payments.refunds import cancel_order, refund_item_after_commit, refund_order, refund_order_item
from .purchasables import Offer, PurchasableProvider, provider_for, register_purchasable, registered_kinds

__all__ = [
    "MAX_QUANTITY",
    "CartItem",
    "CartView",
    "Delivery",
    "Offer",
    "PurchasableProvider",
    "add_to_cart",
    "cancel_order",
    "cart_of",
    "change_quantity",
    "checkout_id_from_webhook",
    "expire_due_orders",
    "expire_order",
    "fulfil_order",
    "get_member_order",
    "merge_carts",
    "order_for_buyer",
    "orders_for_member",
    "payment_for_buyer",
    "place_order",
    "provider_for",
    "recheck_payments",
    "refund_item_after_commit",
    "refund_order",
    "refund_order_item",
    "register_purchasable",
    "registered_kinds",
    "remember_delivery",
    "remove_line",
    "saved_addresses_for",
    "settle_test_payment",
    "start_payment",
    "sumup_enabled",
    "sync_checkout",
    "sync_payment",
    "view_cart",
]
