"""``{% load cart %}``: what other sites' pages need of the cart (the add-to-cart form)."""

from django import template

from apps.core.sites import site_url

register = template.Library()


@register.inclusion_tag("cart/add_form.html")
def add_to_cart_form(kind, ref, label="Add to cart"):
    """
    ``{% add_to_cart_form "market.variant" variant.pk %}``: a form posting to the cart host.

    It carries no CSRF token (the market's would not match the cart's host-only cookie): the cart
    checks the request's origin instead (``views.posted_from_our_sites``).
    """
    return {"action": site_url("cart", "cart:add"), "kind": kind, "ref": ref, "label": label}
