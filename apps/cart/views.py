"""
The cart site's pages: thin over ``services``; a ``RoseAshError`` becomes its error page in the
middleware, except where the buyer is better served by a message on the cart or order page.

A visitor's cart id and the numbers of the orders they placed live in their session on the cart
host (host-only cookie); a member's cart and orders are theirs wherever they sign in.
"""

import csv
import json
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.core.errors import RoseAshError
from apps.core.pages.fragments import forget_fragment
from apps.core.sites import all_sites, portal

from . import services
from .forms import AddForm, CheckoutForm, QuantityForm, SalesRangeForm
from .fragments import BADGE, badge_key
from .payments.sumup import SumUpError
from .sales import bars, sales_report

logger = logging.getLogger(__name__)

CART_SESSION_KEY = "cart_id"
ADD_SALT = "cart.add"
ADD_MAX_AGE = 120  # seconds between the market page's POST and the redirect it answers
ORDERS_SESSION_KEY = "order_numbers"
ORDERS_PER_PAGE = 20


def member_id(request) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


def current_cart(request, *, create=False):
    """Return the cart of whoever asks (member or visitor), making it with ``create``."""
    cart = services.cart_of(member_id=member_id(request), cart_id=request.session.get(CART_SESSION_KEY), create=create)
    if cart is not None and cart.member_id is None and request.session.get(CART_SESSION_KEY) != cart.pk:
        request.session[CART_SESSION_KEY] = cart.pk  # written only when new: each write is a session UPDATE
    return cart


def cart_changed(request):
    """Forget the cached header badge so every page shows the new count at once."""
    forget_fragment(BADGE, {"cart": badge_key(request)})


def home(request):
    cart = services.view_cart(current_cart(request))
    return render(request, "cart/cart.html", {"view": cart, "quantity_max": services.MAX_QUANTITY})


def our_origins() -> set[str]:
    return {site.origin for site in all_sites()} | {portal().origin}


def posted_from_our_sites(request) -> bool:
    """
    Return whether a POST came from a page of one of our sites, by its ``Origin`` (or ``Referer``).

    The cart's "add" takes POSTs from the market's and events' pages, whose CSRF tokens belong to
    their own host-only cookies and so cannot match the cart host's. Browsers set ``Origin`` on
    every cross-origin POST and no page can forge it, so the origin check stands in for the token
    here (as Django's own check of ``Origin`` does first): a page on any other site gets 403.
    """
    origin = request.headers.get("Origin", "")
    if not origin or origin == "null":
        referer = urlsplit(request.headers.get("Referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.scheme and referer.netloc else ""
    return origin in our_origins()


@csrf_exempt  # checked by origin instead: see posted_from_our_sites
@require_POST
def add(request):
    """
    Take an item posted from a product page on any of our sites; send the browser on to ``add_item``.

    The POST comes from another host, and our hosts may be different sites to the browser (they are
    in development: ``market.localhost`` and ``cart.localhost``), so it may carry no session cookie
    (SameSite=Lax). The item therefore travels, signed and short-lived, in a redirect: the GET that
    follows is a top-level navigation on the cart host, which does carry the visitor's session.
    """
    if not posted_from_our_sites(request):
        return HttpResponseForbidden(
            "This form must be sent from a Rose Ash page.", content_type="text/plain; charset=utf-8"
        )
    form = AddForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That item could not be added: the form was incomplete.")
        return redirect("cart:home")
    item = {"k": form.cleaned_data["kind"], "r": form.cleaned_data["ref"], "q": form.cleaned_data["quantity"] or 1}
    return redirect("cart:add_item", token=signing.dumps(item, salt=ADD_SALT, compress=True), permanent=False)


def add_item(request, token):
    """Add the item ``add`` signed, to the cart of whoever follows the redirect, and show the cart."""
    try:
        item = signing.loads(token, salt=ADD_SALT, max_age=ADD_MAX_AGE)
    except signing.BadSignature:
        raise RoseAshError(
            "add_link_invalid", "This add-to-cart link is not valid (any more): add the item again from its page."
        ) from None
    try:
        line = services.add_to_cart(current_cart(request, create=True), item["k"], item["r"], item["q"])
    except RoseAshError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Added to your cart ({line.quantity} in all).")
    cart_changed(request)
    return redirect("cart:home")


@require_POST
def change(request, line_id):
    cart = current_cart(request)
    if cart is None:
        raise RoseAshError("line_unknown", "This line is not in your cart.", status=404)
    form = QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Choose a quantity from 0 to {services.MAX_QUANTITY}.")
        return redirect("cart:home")
    try:
        kept = services.change_quantity(cart, line_id, form.cleaned_data["quantity"])
    except RoseAshError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, "Quantity changed." if kept else "Removed from your cart.")
    cart_changed(request)
    return redirect("cart:home")


@require_POST
def remove(request, line_id):
    cart = current_cart(request)
    if cart is None:
        raise RoseAshError("line_unknown", "This line is not in your cart.", status=404)
    services.remove_line(cart, line_id)
    messages.success(request, "Removed from your cart.")
    cart_changed(request)
    return redirect("cart:home")


def checkout(request):
    """Contact, delivery address when something ships, the summary; then the order and payment."""
    cart = current_cart(request)
    view = services.view_cart(cart)
    if not view.items:
        messages.info(request, "Your cart is empty.")
        return redirect("cart:home")
    is_member = request.user.is_authenticated
    saved = services.saved_addresses_for(request.user) if is_member else []
    initial = {"email": request.user.email} if is_member else {}
    form = CheckoutForm(request.POST or None, ships=view.ships, saved=saved, can_save=is_member, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            order = services.place_order(
                cart,
                email=form.cleaned_data["email"],
                delivery=form.delivery(),
                member_id=member_id(request),
                seen=view,
            )
        except RoseAshError as exc:
            # Busy, short, a price changed: the buyer stays on checkout with what to do next.
            messages.error(request, exc.message)
            view = services.view_cart(cart)
            status = exc.status
        else:
            if order.member_id is None:
                request.session[ORDERS_SESSION_KEY] = [*request.session.get(ORDERS_SESSION_KEY, [])[-19:], order.number]
            cart_changed(request)
            keep_address(request, form.address_to_save())
            return pay_order(request, order)
    return render(request, "cart/checkout.html", {"view": view, "form": form}, status=status)


def keep_address(request, delivery):
    """Save the new address to the member's account as they asked, now the order is placed and committed."""
    if delivery is None:
        return
    try:
        services.remember_delivery(request.user, delivery)
    except RoseAshError as exc:
        messages.warning(
            request, f"Your order is placed, but the address could not be saved to your account: {exc.message}"
        )
    else:
        messages.success(request, "The address is saved to your account for next time.")


def buyer_order(request, number):
    return services.order_for_buyer(
        number, member_id=member_id(request), visitor_numbers=request.session.get(ORDERS_SESSION_KEY, [])
    )


def pay_order(request, order):
    try:
        return redirect(services.start_payment(order))
    except RoseAshError as exc:
        messages.error(request, exc.message)
        return redirect(order.get_absolute_url())


@login_required
def order_list(request):
    """A member's orders, newest first, a page at a time: the same queries for one order or a thousand."""
    page = Paginator(services.orders_for_member(request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "cart/orders.html", {"page": page})


def order_detail(request, number):
    order = buyer_order(request, number)
    return render(request, "cart/order.html", {"order": order, "lines": order.lines.all()})


@require_POST
def pay(request, number):
    return pay_order(request, buyer_order(request, number))


def _buyer_payment(request, reference):
    return services.payment_for_buyer(
        reference, member_id=member_id(request), visitor_numbers=request.session.get(ORDERS_SESSION_KEY, [])
    )


def payment_return(request, reference):
    """Where SumUp sends the buyer back: look at the checkout again, then show the order."""
    payment = _buyer_payment(request, reference)
    try:
        status = services.sync_payment(payment)
    except SumUpError:
        logger.warning("SumUp did not answer for %s on return", reference)
        messages.warning(request, "We are waiting for SumUp to confirm your payment; this page will show it.")
    else:
        if status == "PAID":
            messages.success(request, "Thank you: your payment is confirmed.")
        elif status in ("FAILED", "EXPIRED"):
            messages.error(request, "The payment did not go through. You can try again.")
        elif status == "MISMATCH":
            messages.error(request, "The payment could not be matched to your order; we will be in touch.")
    return redirect(payment.order.get_absolute_url())


def test_payment(request, reference):
    """The test payment page (no SumUp key): approve or decline, no money moves."""
    if services.sumup_enabled():
        raise RoseAshError("test_payments_off", "Test payments are off: real payments are taken.", status=404)
    payment = _buyer_payment(request, reference)
    if request.method == "POST":
        approve = request.POST.get("outcome") == "approve"
        services.settle_test_payment(reference, approve=approve)
        if approve:
            messages.success(request, "Test payment approved: your order is confirmed.")
        else:
            messages.error(request, "Test payment declined. You can try again.")
        return redirect(payment.order.get_absolute_url())
    return render(request, "cart/test_payment.html", {"payment": payment, "order": payment.order})


@csrf_exempt  # SumUp posts unsigned: the body only names a checkout, which we then fetch ourselves
@require_POST
def sumup_webhook(request):
    """Take SumUp's note that a checkout changed; re-fetch it and apply what SumUp itself says."""
    try:
        checkout_id = services.checkout_id_from_webhook(json.loads(request.body))
    except ValueError:
        return JsonResponse({"error": "bad_json", "message": "The body is not JSON."}, status=400)
    if checkout_id is None:
        return JsonResponse({"ignored": "not a checkout status event"})
    try:
        status = services.sync_checkout(checkout_id)
    except SumUpError as exc:
        logger.warning("Webhook for %s: SumUp did not answer (%s); it will retry", checkout_id, exc)
        return JsonResponse({"error": "sumup_unreachable", "message": "Try again later."}, status=503)
    if status is None:
        return JsonResponse({"ignored": "no such checkout here"})
    return JsonResponse({"status": status})


@staff_member_required
def sales(request):
    """Orders and revenue per day and per producer: SVG charts, the table beneath, CSV downloads."""
    today = timezone.now().date()
    form = SalesRangeForm(request.GET or {"start": today - timedelta(days=29), "end": today})
    if not form.is_valid():
        return render(request, "cart/sales.html", {"form": form}, status=400)
    report = sales_report(form.cleaned_data["start"], form.cleaned_data["end"])
    table = request.GET.get("csv")
    if table in ("days", "producers"):
        return sales_csv(report, table)
    return render(
        request,
        "cart/sales.html",
        {
            "form": form,
            "report": report,
            "revenue_bars": bars([(day.day.isoformat(), day.revenue) for day in report.days]),
            "order_bars": bars([(day.day.isoformat(), day.orders) for day in report.days]),
            "producer_bars": bars([(p.seller, p.revenue) for p in report.producers[:12]]),
            "query": request.GET.urlencode() or f"start={form.cleaned_data['start']}&end={form.cleaned_data['end']}",
        },
    )


def sales_csv(report, table):
    answer = HttpResponse(content_type="text/csv; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="sales-{table}-{report.start}-{report.end}.csv"'
    writer = csv.writer(answer)
    if table == "days":
        writer.writerow(["date", "orders", "revenue"])
        writer.writerows([day.day.isoformat(), day.orders, day.revenue] for day in report.days)
    else:
        writer.writerow(["producer", "orders", "items", "revenue"])
        # A producer's name is theirs to choose: keep a spreadsheet from reading it as a formula.
        writer.writerows([safe_cell(p.seller), p.orders, p.items, p.revenue] for p in report.producers)
    return answer


def safe_cell(text):
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
