"""Newsletter pages of the account site: subscribe, confirm, unsubscribe (a link or the RFC 8058 POST)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.errors import RoseAshError

from .. import services
from ..forms import SubscribeForm
from ..sign_in.throttle import client_address
from .subscriptions import check_subscribe_allowed


@require_http_methods(["GET", "POST"])
def newsletters(request):
    """List the public newsletters and subscribe an address to the ones ticked (double opt-in)."""
    available = services.public_newsletters()
    member = request.user if request.user.is_authenticated else None
    initial = {"email": member.email} if member else {}
    if request.method == "GET" and request.GET.get("email"):  # from the signup fragment on another site
        initial["email"] = request.GET["email"][:254]
    if request.method == "GET" and request.GET.get("newsletter"):
        initial["newsletters"] = available.filter(slug=request.GET["newsletter"])
    form = SubscribeForm(request.POST or None, newsletters=available, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            check_subscribe_allowed(client_address(request))
            subs = services.subscribe(form.cleaned_data["email"], form.cleaned_data["newsletters"], member=member)
        except RoseAshError as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            if member is not None and all(sub.state == sub.State.CONFIRMED for sub in subs):
                messages.success(request, "You are subscribed.")
                return redirect("account:subscriptions")
            messages.success(request, "Almost done: we have emailed you a link. Follow it to confirm.")
            return redirect("account:newsletters-sent")
    else:
        status = 400 if form.errors else 200
    return render(request, "account/newsletters.html", {"form": form, "newsletters": available}, status=status)


@require_GET
def newsletters_sent(request):
    return render(request, "account/newsletters_sent.html")


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """
    The mailed link: GET shows what it confirms and one button, POST confirms.

    A GET never confirms: mail scanners and link previews open links, and a subscription they
    confirmed would be one nobody asked for. The token is the proof; the form carries a CSRF token.
    """
    if request.method == "POST":
        subs = services.confirm_subscriptions(token)
        return render(request, "account/newsletter_confirmed.html", {"subscriptions": subs})
    subs = services.check_confirmation(token)
    return render(request, "account/newsletter_confirm.html", {"subscriptions": subs})


@csrf_exempt  # RFC 8058: mail clients POST here without a session or a token; the signed URL is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """
    GET shows the subscription and one button; POST unsubscribes, idempotently.

    A GET never unsubscribes: mail scanners and link previews fetch links. The POST is the button
    and the RFC 8058 one-click request (``List-Unsubscribe=One-Click`` in the body), alike.
    """
    if request.method == "POST":
        sub = services.unsubscribe(token)
        return render(request, "account/newsletter_unsubscribed.html", {"subscription": sub})
    sub = services.subscription_for_token(token)
    return render(request, "account/newsletter_unsubscribe.html", {"subscription": sub})
