"""
``/auth/login``, ``/auth/callback`` and ``/auth/logout``, which every site serves.

On the five client sites they run the OpenID Connect code flow against the federation site.
On the federation site and the portal, which are not clients, sign-in is the federation's own
sign-in page and sign-out ends the SSO session directly.
"""

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout as django_logout
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import RoseAshError
from apps.core.sites import site_url

from .. import services
from . import client

logger = logging.getLogger(__name__)

PROBE_COOKIE = "sso_probed"


def is_client_site(request):
    return getattr(request, "site_name", "") in settings.SSO_CLIENT_SITES


def mark_probed(request, response):
    """Remember for a while that this browser was checked, so visitors are not bounced on every page."""
    response.set_cookie(
        PROBE_COOKIE,
        "1",
        max_age=settings.SSO_SILENT_RETRY_SECONDS,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
@require_GET
def login(request):
    """Start signing in; ``prompt=none`` asks the federation site silently (no page shown)."""
    next_url = services.safe_next_url(request, request.GET.get("next"))
    if not is_client_site(request):
        query = urlencode({"next": request.build_absolute_uri(next_url)})
        return redirect(f"{site_url('federation', 'member:sign-in')}?{query}")
    if request.user.is_authenticated:
        return redirect(next_url)
    silent = request.GET.get("prompt") == "none"
    response = redirect(client.begin_sign_in(request, request.site_name, next_url=next_url, silent=silent))
    return mark_probed(request, response) if silent else response


@never_cache
@require_GET
def callback(request):
    """Finish signing in, then start this site's session joined to the member's SSO session."""
    if not is_client_site(request):
        raise RoseAshError("sso_not_a_client", "This site does not sign in through single sign-on.", status=404)
    answer = client.finish_sign_in(request, request.site_name)
    if answer.claims is None:
        if not answer.silent:
            messages.error(request, "Signing in did not complete.")
        return redirect(answer.next_url)
    user = services.sign_in_from_id_token(request, answer.claims)
    messages.success(request, f"Signed in as {user.get_username()}.")
    return redirect(answer.next_url)


@never_cache
@require_POST
def logout(request):
    """Sign out of every site: end the SSO session here, then end the federation's session (RP-initiated)."""
    site = getattr(request, "site_name", "")
    services.end_sso_session(services.current_sso_session_id(request), site=site)
    django_logout(request)
    messages.success(request, "You are signed out of every Rose Ash site.")
    target = services.safe_next_url(request, request.POST.get("next"))
    if is_client_site(request):
        try:
            target = client.end_session_url(site)
        except requests.RequestException:
            logger.exception("The federation site did not answer discovery; its own session ends on its next visit")
    return mark_probed(request, redirect(target))


@never_cache
@require_GET
def admin_login(request):
    """
    Staff sign in like every member; the admin's own password form is not offered.

    A member signed in without staff rights is told so (403) instead: sending them to sign in
    would bring them, already signed in, straight back to the admin and here again, for ever.
    """
    if request.user.is_authenticated and not admin.site.has_permission(request):
        return render(request, "account/no_staff_access.html", status=403)
    next_url = services.safe_next_url(request, request.GET.get("next"), default="/admin/")
    return redirect(f"/auth/login?{urlencode({'next': next_url})}")
