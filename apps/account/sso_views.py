"""
``/auth/login``, ``/auth/callback`` and ``/auth/logout``, which every site serves.

On the five client sites they run the OpenID Connect code flow against the federation site.
On the federation site and the portal, which are not clients, sign-in is the federation's own
sign-in page and sign-out ends the SSO session directly.
"""

import logging
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as django_logout
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from apps.core.errors import RoseAshError
from apps.core.sites import site_url

from . import services
from .sso_client import end_session_url, id_token_claims_options, oidc_client

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
    silent = request.GET.get("prompt") == "none"
    if request.user.is_authenticated:
        return redirect(next_url)
    site = request.site_name
    client = oidc_client(site)
    redirect_uri = services.client_registration(site).redirect_uri
    try:
        authorization = client.create_authorization_url(redirect_uri, **({"prompt": "none"} if silent else {}))
    except requests.RequestException:
        logger.exception("The federation site did not answer discovery for %s", site)
        raise RoseAshError(
            "sso_unavailable", "Signing in is not available right now. Please try again shortly.", status=503
        ) from None
    client.save_authorize_data(request, redirect_uri=redirect_uri, next=next_url, silent=silent, **authorization)
    response = redirect(authorization["url"])
    return mark_probed(request, response) if silent else response


@never_cache
@require_GET
def callback(request):
    """Finish signing in: check state, issuer, code, ID token and nonce, then start this site's session."""
    if not is_client_site(request):
        raise RoseAshError("sso_not_a_client", "This site does not sign in through single sign-on.", status=404)
    client = oidc_client(request.site_name)
    state = request.GET.get("state", "")
    started = client.framework.get_state_data(request.session, state) if state else None
    if started is None:
        raise RoseAshError(
            "sso_state_mismatch", "This sign-in was not started in this browser, or it expired. Please sign in again."
        )
    next_url, silent = started.get("next") or "/", started.get("silent")
    if request.GET.get("error"):
        client.framework.clear_state_data(request.session, state)
        if not silent:
            messages.error(request, "Signing in did not complete.")
        return redirect(next_url)
    # RFC 9207: the answer must come from our issuer, not from a server mixed up with it.
    if request.GET.get("iss") != settings.SSO_ISSUER:
        client.framework.clear_state_data(request.session, state)
        raise RoseAshError("sso_wrong_issuer", "This sign-in answer did not come from Rose Ash. Please sign in again.")
    try:
        token = client.authorize_access_token(request, claims_options=id_token_claims_options(request.site_name))
    except (AuthlibBaseError, JoseError, ValueError) as error:
        logger.warning("Refused a sign-in answer on %s: %r", request.site_name, error)
        raise RoseAshError("sso_refused", "This sign-in could not be verified. Please sign in again.") from None
    except requests.RequestException:
        logger.exception("The token exchange with the federation site failed")
        raise RoseAshError(
            "sso_unavailable", "Signing in is not available right now. Please try again shortly.", status=503
        ) from None
    claims = token.get("userinfo")
    if not claims:
        raise RoseAshError("sso_refused", "The sign-in answer carried no ID token. Please sign in again.")
    user = services.sign_in_from_id_token(request, claims)
    messages.success(request, f"Signed in as {user.get_username()}.")
    return redirect(next_url)


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
            target = end_session_url(site)
        except requests.RequestException:
            logger.exception("The federation site did not answer discovery; its own session ends on its next visit")
    return mark_probed(request, redirect(target))


@require_GET
def admin_login(request):
    """Staff sign in like every member; the admin's own password form is not offered."""
    next_url = services.safe_next_url(request, request.GET.get("next"), default="/admin/")
    return redirect(f"/auth/login?{urlencode({'next': next_url})}")
