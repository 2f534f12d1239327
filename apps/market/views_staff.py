"""
The staff's desk on the market site: import a product from a producer's shop page.

A staff member gives the address and sees what would be imported (``services.preview_product_from_url``,
nothing saved), then imports it (``services.import_product_from_url``, which reads the page again:
what is saved is what the shop shows then). Refusals (robots.txt, no product markup, a shop that
fails) are shown on the form with the reason. Only staff who may add products get in; a visitor is
sent to sign in, a member without that right gets 403.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.core.errors import RoseAshError

from . import services
from .forms import ACTIONS, ImportForm


def staff_only(view):
    """Let in staff who may add products; send visitors to sign in and refuse other members (403)."""

    @wraps(view)
    def check(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_staff and request.user.has_perm("market.add_product")):
            raise PermissionDenied("Importing products is for the market's staff.")
        return view(request, *args, **kwargs)

    return check


@require_http_methods(["GET", "POST"])
@staff_only
def import_product(request):
    """Preview (``action=preview``) or import (``action=save``) the product on a shop page."""
    form = ImportForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "save":
                result = services.import_product_from_url(
                    data["url"], producer=data["producer"], category=data["category"], vat_rate=data["vat_rate"]
                )
            else:
                preview = services.preview_product_from_url(data["url"])
        except RoseAshError as error:
            form.add_error("url", error.message)
        else:
            if preview is None:
                done = "imported" if result.created else "updated from its page"
                messages.success(request, f"“{result.name}” is {done}.")
                for warning in result.warnings:
                    messages.warning(request, warning)
                return redirect("market:staff-import")
    status = 400 if form.errors else 200
    context = {"form": form, "preview": preview, "actions": ACTIONS}
    return render(request, "market/staff/import.html", context, status=status)
