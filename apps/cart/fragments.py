"""
The mini-cart in every site's header: how many items, and their total.

It varies on ``cart``: a member's cart wherever they are signed in; a visitor's cart only on the
cart host, where their session keeps it (sessions are host-only, so other sites cannot know it).
The cart's views forget it whenever the cart changes, so the TTL only bounds staleness from
elsewhere (a price change in the market).
"""

from django.template.loader import render_to_string

from apps.core.pages.fragments import fragment, vary_key

from .carts import cart_of, view_cart

__all__ = ["BADGE", "badge", "badge_key"]

BADGE = "cart.badge"


@vary_key("cart")
def badge_key(request) -> str:
    if request.user.is_authenticated:
        return f"m{request.user.pk}"
    if getattr(request, "site_name", "") == "cart" and request.session.get("cart_id"):
        return f"c{request.session['cart_id']}"
    return ""


def _cart_for(key: str):
    if key.startswith("m") and key[1:].isdigit():
        return cart_of(member_id=int(key[1:]))
    if key.startswith("c") and key[1:].isdigit():
        return cart_of(cart_id=int(key[1:]))
    return None


@fragment(BADGE, vary=("cart",), ttl=30)
def badge(context):
    view = view_cart(_cart_for(context.values.get("cart", "")))
    return render_to_string("cart/badge.html", {"count": view.count, "total": view.total, "currency": view.currency})
