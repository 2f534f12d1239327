"""
Member accounts and single sign-on: the verbs views, commands and other apps call.

Besides sign-up and single sign-on (below), the account app's public face for other apps:

- saved addresses for checkout: ``saved_addresses`` (default first), ``remember_address``,
  ``default_address``, ``get_address`` (owner-scoped: another member's id is 404);
- the dashboard: ``register_dashboard_section`` (``DashboardSection``) for the cart's orders and
  the events' tickets and bookings;
- a member's data: ``register_member_data`` (``MemberDataProvider``: its part of the JSON export,
  and how it erases or anonymises the member when the account is deleted);
- transactional mail: ``queue_mail`` (the ``mail`` queue, once committed, with retries);
- newsletters (``newsletters/``), profiles and preferences (``members/profiles.py``).

Single sign-on in one paragraph: signing in at the federation site starts an ``SSOSession``;
authorization codes issued in that browser carry its id to the ID token (``sid``); each site that
signs the member in keeps the id in its own session and checks on every request that the row is
alive. Signing out on any site ends the row, so every site ends its own session at once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from oauth2_provider.models import get_application_model

from apps.core.errors import RoseAshError
from apps.core.sites import all_sites, get_site, portal, site_for_host

from .mailing import queue_mail
from .members.addresses import (
    default_address,
    delete_address,
    get_address,
    make_default_address,
    remember_address,
    saved_addresses,
    update_address,
)
from .members.data import MemberDataProvider, delete_account, export_member_data, register_member_data
from .members.profiles import update_preferences, update_profile, wants_mail
from .members.sections import DashboardSection, register_dashboard_section, rendered_sections
from .models import Address, Issue, Newsletter, SSOGrant, SSOSession, Subscription, User
from .newsletters.sending import resend_failed, start_sending, sweep_stalled_sending
from .newsletters.subscriptions import (
    check_confirmation,
    confirm_subscriptions,
    member_subscriptions,
    public_newsletters,
    set_member_subscriptions,
    subscribe,
    subscription_for_token,
    unsubscribe,
    unsubscribe_url,
)
from .sign_in.confirmation import (
    email_confirmation_tokens,
    email_confirmation_url,
    send_email_confirmation,
)

if TYPE_CHECKING:
    from oauth2_provider.models import Application, Grant

__all__ = [
    "SSO_SESSION_KEY",
    "Address",
    "ClientRegistration",
    "DashboardSection",
    "Issue",
    "MemberDataProvider",
    "Newsletter",
    "Subscription",
    "User",
    "check_confirmation",
    "clear_old_sso_sessions",
    "client_registration",
    "confirm_email",
    "confirm_subscriptions",
    "current_sso_session_id",
    "default_address",
    "delete_account",
    "delete_address",
    "email_confirmation_url",
    "end_sso_session",
    "export_member_data",
    "get_address",
    "link_grant",
    "make_default_address",
    "member_subscriptions",
    "public_newsletters",
    "queue_mail",
    "register_dashboard_section",
    "register_member_data",
    "remember_address",
    "rendered_sections",
    "resend_confirmation",
    "resend_failed",
    "safe_next_url",
    "saved_addresses",
    "set_member_subscriptions",
    "sign_in_at_federation",
    "sign_in_from_id_token",
    "sign_up",
    "sso_session_for_code",
    "sso_session_is_alive",
    "start_sending",
    "start_sso_session",
    "subscribe",
    "subscription_for_token",
    "sweep_stalled_sending",
    "sync_sso_clients",
    "unsubscribe",
    "unsubscribe_url",
    "update_address",
    "update_preferences",
    "update_profile",
    "wants_mail",
]

SSO_SESSION_KEY = "sso_sid"
CONFIRMATION_RESEND_SECONDS = 600
FEDERATION = "federation"
AUTH_BACKEND = "apps.account.backends.EmailOrUsernameBackend"


# --- Member accounts ---------------------------------------------------------------------------


@transaction.atomic
def sign_up(*, username: str, email: str, password: str) -> User:
    """
    Create an inactive member and send the email that confirms the address.

    The member cannot sign in until the link is followed. The form has validated the fields;
    the email leaves once the row is committed.
    """
    user = get_user_model().objects.create_user(username=username, email=email.strip().lower(), password=password)
    user.is_active = False
    user.save(update_fields=["is_active"])
    transaction.on_commit(lambda: send_email_confirmation.delay(user.pk))
    return user


def resend_confirmation(login: str, password: str) -> bool:
    """
    Email a new confirmation link when ``login`` and ``password`` are right for an unconfirmed member.

    Return True when the member is waiting for confirmation (a link goes out at most once per
    ``CONFIRMATION_RESEND_SECONDS``), so a lost email is never a dead end.
    """
    user = get_user_model().objects.by_login(login).filter(is_active=False).first()
    if user is None or not user.check_password(password):
        return False
    if cache.add(f"account:confirm-resend:{user.pk}", 1, CONFIRMATION_RESEND_SECONDS):
        transaction.on_commit(lambda: send_email_confirmation.delay(user.pk))
    return True


def confirm_email(uidb64: str, token: str) -> User:
    """Activate the member a confirmation link names; ``RoseAshError`` when the link is not valid."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not email_confirmation_tokens.check_token(user, token):
        raise RoseAshError(
            "confirmation_invalid",
            "This confirmation link is not valid or has expired. Sign up again or ask for a new link.",
        )
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


# --- Redirects after sign-in and sign-out --------------------------------------------------------


def safe_next_url(request: HttpRequest, candidate: str | None, default: str = "/") -> str:
    """
    Return ``candidate`` when it is a path on this site or a URL on one of our own hosts, else ``default``.

    Anything else (another host, a scheme-relative ``//evil``, ``javascript:``, backslash tricks)
    would make sign-in an open redirect.
    """
    if not candidate:
        return default
    ours = (*all_sites(), portal())
    hosts = {site.host for site in ours} | {urlsplit(site.origin).netloc for site in ours} | {request.get_host()}
    allowed = url_has_allowed_host_and_scheme(candidate, allowed_hosts=hosts, require_https=request.is_secure())
    if not allowed:
        return default
    netloc = urlsplit(candidate).netloc
    if netloc and site_for_host(netloc) is None:
        return default
    return candidate


# --- SSO sessions ----------------------------------------------------------------------------------


def start_sso_session(request: HttpRequest, user: User) -> SSOSession:
    """Start an SSO session for ``user`` and remember it in this browser's session."""
    sso = SSOSession.objects.create(user=user)
    request.session[SSO_SESSION_KEY] = str(sso.pk)
    return sso


def sign_in_at_federation(request: HttpRequest, user: User) -> SSOSession:
    """Sign ``user`` in on the federation site: the start of a new SSO session."""
    login(request, user, backend=AUTH_BACKEND)
    return start_sso_session(request, user)


def current_sso_session_id(request: HttpRequest) -> str | None:
    return request.session.get(SSO_SESSION_KEY)


def sso_session_is_alive(sso_session_id: str) -> bool:
    """True while the SSO session has not ended: one indexed lookup, made on every signed-in request."""
    return SSOSession.objects.filter(pk=sso_session_id, ended_at__isnull=True).exists()


def end_sso_session(sso_session_id: str, *, site: str = "") -> bool:
    """End the SSO session, which signs its browser out of every site; True if it was still alive."""
    if not sso_session_id:
        return False
    try:
        ended = SSOSession.objects.filter(pk=sso_session_id, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_on=site
        )
    except (ValueError, TypeError):  # a malformed id in an old session
        return False
    return bool(ended)


def clear_old_sso_sessions(*, now: datetime | None = None) -> int:
    """
    Delete SSO sessions no site session can still name; return how many went.

    A site session lives at most ``SESSION_COOKIE_AGE`` after it signs in, so an SSO session
    started longer ago than that is referenced by nothing alive, ended or not.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    deleted, _ = SSOSession.objects.filter(started_at__lt=cutoff).delete()
    return deleted


def link_grant(grant: "Grant", sso_session_id: str | None) -> None:
    """Remember which SSO session an authorization code was issued in."""
    if sso_session_id:
        SSOGrant.objects.create(grant=grant, sso_session_id=sso_session_id)


def sso_session_for_code(application: "Application", code: str) -> str | None:
    """Return the id of the SSO session an authorization code of ``application`` belongs to, or None."""
    link = (
        SSOGrant.objects.filter(grant__application=application, grant__code=code)
        .values_list("sso_session_id", flat=True)
        .first()
    )
    return str(link) if link else None


def sign_in_from_id_token(request: HttpRequest, claims: dict) -> User:
    """
    Sign the member named by validated ID-token ``claims`` in on this site, joined to their SSO session.

    Refused when the member is inactive or the SSO session the token names has ended (the member
    signed out between the authorization and this callback).
    """
    sid = claims.get("sid")
    user = get_user_model().objects.filter(pk=claims.get("sub"), is_active=True).first()
    alive = user is not None and sid and SSOSession.objects.filter(pk=sid, user=user, ended_at__isnull=True).exists()
    if not alive:
        raise RoseAshError("sso_session_ended", "Your sign-in has ended. Please sign in again.", status=403)
    login(request, user, backend=AUTH_BACKEND)
    request.session[SSO_SESSION_KEY] = sid
    return user


# --- Client registrations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientRegistration:
    """How one of our sites is registered as a client of the federation site."""

    site: str
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str


def client_registration(site: str) -> ClientRegistration:
    """Return the registration of ``site``, built from settings and the configured domain."""
    if site not in settings.SSO_CLIENT_SITES:
        raise RoseAshError("sso_not_a_client", f"The {site} site does not sign in through single sign-on.", status=404)
    origin = get_site(site).origin
    return ClientRegistration(
        site=site,
        client_id=f"roseash-{site}",
        client_secret=settings.SSO_CLIENT_SECRETS[site],
        redirect_uri=f"{origin}/auth/callback",
        post_logout_redirect_uri=f"{origin}/",
    )


@transaction.atomic
def sync_sso_clients() -> dict[str, str]:
    """
    Create or update each client site's ``Application`` from settings.

    Return ``{site: "created" | "updated" | "unchanged"}``.

    Idempotent: run it after every deploy (the secret is stored hashed, so it is compared, not read).
    """
    Application = get_application_model()
    outcome = {}
    for site in settings.SSO_CLIENT_SITES:
        reg = client_registration(site)
        wanted = {
            "name": f"Rose Ash {site}",
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": reg.redirect_uri,
            "post_logout_redirect_uris": reg.post_logout_redirect_uri,
            "allowed_origins": "",
            "skip_authorization": True,
            "algorithm": Application.RS256_ALGORITHM,
            "hash_client_secret": True,
        }
        app = Application.objects.select_for_update().filter(client_id=reg.client_id).first()
        if app is None:
            Application.objects.create(client_id=reg.client_id, client_secret=reg.client_secret, **wanted)
            outcome[site] = "created"
            continue
        changed = [field for field, value in wanted.items() if getattr(app, field) != value]
        for field in changed:
            setattr(app, field, wanted[field])
        if not check_password(reg.client_secret, app.client_secret):
            app.client_secret = reg.client_secret
            changed.append("client_secret")
        if changed:
            app.save()
        outcome[site] = "updated" if changed else "unchanged"
    return outcome
