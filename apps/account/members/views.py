"""The member's dashboard on the account site: thin over ``services``; every page is the member's own."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import RoseAshError

from .. import services
from ..forms import AddressForm, DeleteAccountForm, PasswordConfirmForm, PreferencesForm, ProfileForm

ADDRESS_FIELDS = ("name", "line1", "line2", "postcode", "city", "country", "phone", "is_default")


def home(request):
    """The dashboard for a member; the site's signboard, with a way in, for a visitor."""
    if not request.user.is_authenticated:
        return render(request, "account/home.html")
    member = request.user
    return render(
        request,
        "account/dashboard.html",
        {
            "addresses": services.saved_addresses(member),
            "subscriptions": services.member_subscriptions(member),
            "sections": services.rendered_sections(request, member),
        },
    )


def _form_error(form, error):
    form.add_error(None, error.message)


@login_required
def address_list(request):
    return render(request, "account/addresses.html", {"addresses": services.saved_addresses(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def address_add(request):
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remember_address(request.user, **{f: form.cleaned_data[f] for f in ADDRESS_FIELDS})
        except RoseAshError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Address saved.")
            return redirect("account:addresses")
    status = 400 if form.errors else 200
    return render(request, "account/address_form.html", {"form": form, "adding": True}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request, address_id):
    address = services.get_address(request.user, address_id)
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_address(request.user, address_id, **{f: form.cleaned_data[f] for f in ADDRESS_FIELDS})
        except RoseAshError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Address changed.")
            return redirect("account:addresses")
    return render(
        request, "account/address_form.html", {"form": form, "address": address}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def address_delete(request, address_id):
    services.delete_address(request.user, address_id)
    messages.success(request, "Address deleted.")
    return redirect("account:addresses")


@login_required
@require_POST
def address_make_default(request, address_id):
    address = services.make_default_address(request.user, address_id)
    messages.success(request, f"{address.line1}, {address.city} is now your default address.")
    return redirect("account:addresses")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The member's public profile: saving a change sends an Update of their actor to its followers."""
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            _member, changed = services.update_profile(
                request.user,
                display_name=form.cleaned_data["display_name"],
                bio=form.cleaned_data["bio"],
                avatar=request.FILES.get("avatar"),
                remove_avatar=form.cleaned_data["remove_avatar"],
            )
        except RoseAshError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Your profile is saved." if changed else "Nothing changed.")
            return redirect("account:profile")
    status = 400 if form.errors else 200
    return render(request, "account/dashboard_profile.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_preferences(request.user, **{name: form.cleaned_data[name] for name in form.fields})
        messages.success(request, "Your preferences are saved.")
        return redirect("account:preferences")
    return render(request, "account/preferences.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def subscriptions(request):
    """The newsletters the member's address gets: tick to subscribe (no second confirmation), untick to leave."""
    available = services.public_newsletters()
    if request.method == "POST":
        services.set_member_subscriptions(request.user, request.POST.getlist("newsletter"))
        messages.success(request, "Your newsletters are saved.")
        return redirect("account:subscriptions")
    subscribed = {
        sub.newsletter_id for sub in services.member_subscriptions(request.user) if sub.state == sub.State.CONFIRMED
    }
    return render(request, "account/subscriptions.html", {"newsletters": available, "subscribed": subscribed})


@login_required
@require_GET
def your_data(request):
    member = request.user
    forms = {"export_form": PasswordConfirmForm(member=member), "delete_form": DeleteAccountForm(member=member)}
    return render(request, "account/your_data.html", forms)


@login_required
@require_POST
def export_data(request):
    """Download everything we hold about the member as JSON, once they typed their password again."""
    form = PasswordConfirmForm(request.POST, member=request.user)
    if not form.is_valid():
        return render(
            request,
            "account/your_data.html",
            {"export_form": form, "delete_form": DeleteAccountForm(member=request.user)},
            status=403,
        )
    data = services.export_member_data(request.user, form.cleaned_data["password"])
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"roseash-{request.user.get_username()}-{timezone.now():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def delete_account(request):
    """Delete the member's account once they typed their password again; they are signed out everywhere."""
    form = DeleteAccountForm(request.POST, member=request.user)
    if not form.is_valid():
        return render(
            request,
            "account/your_data.html",
            {"export_form": PasswordConfirmForm(member=request.user), "delete_form": form},
            status=403,
        )
    services.delete_account(request.user, form.cleaned_data["password"])
    logout(request)
    messages.success(request, "Your account is deleted. Thank you for having been with us.")
    return redirect("account:home")
