from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .carts import merge_carts


@receiver(user_logged_in, dispatch_uid="cart.merge_on_sign_in")
def merge_visitor_cart(sender, request, user, **kwargs):
    """A visitor who signs in on the cart host keeps what they chose: their cart joins the member's."""
    session = getattr(request, "session", None)
    if session is None or not session.get("cart_id"):
        return
    merge_carts(session.pop("cart_id"), user.pk)
