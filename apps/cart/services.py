"""
What the cart does for other apps: the door through which market and events sell, and (as the cart
grows) through which the account dashboard reads a member's orders.
"""

from .purchasables import Offer, PurchasableProvider, provider_for, register_purchasable, registered_kinds

__all__ = ["Offer", "PurchasableProvider", "provider_for", "register_purchasable", "registered_kinds"]
