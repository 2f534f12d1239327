"""
Each site's OpenID Connect client (authlib), talking to the federation site.

authlib does discovery, state, nonce, PKCE (S256) and ID-token validation. What is ours:
server-to-server requests reach the federation site through ``ROSEASH_INTERNAL_URL`` when set
(development, tests, split deployments), ID tokens must be RS256, and the issuer is the one
configured, never one a response names.
"""

import logging
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from joserfc.errors import JoseError
from requests.adapters import HTTPAdapter

from apps.core.errors import RoseAshError
from apps.core.sites import internal_request_target

from ..services import client_registration

__all__ = [
    "ID_TOKEN_ALGORITHMS",
    "SignInAnswer",
    "begin_sign_in",
    "end_session_url",
    "finish_sign_in",
    "id_token_claims_options",
    "oidc_client",
]

logger = logging.getLogger(__name__)

ID_TOKEN_ALGORITHMS = ["RS256"]
TIMEOUT_SECONDS = 5


class InternalRoutingAdapter(HTTPAdapter):
    """Send requests for our own hosts to ``ROSEASH_INTERNAL_URL``, keeping the public host and scheme."""

    def send(self, request, **kwargs):
        original = urlsplit(request.url)
        url, headers = internal_request_target(request.url)
        if headers:
            request.url = url
            request.headers.update(headers)
            request.headers["X-Forwarded-Proto"] = original.scheme
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = TIMEOUT_SECONDS
        return super().send(request, **kwargs)


class InternalOAuth2Session(OAuth2Session):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        adapter = InternalRoutingAdapter(max_retries=0)
        self.mount("http://", adapter)
        self.mount("https://", adapter)


class RoseAshOIDCApp(DjangoOAuth2App):
    client_cls = InternalOAuth2Session

    def load_server_metadata(self):
        metadata = super().load_server_metadata()
        # Trust our configuration over the document: a token must come from this issuer and be RS256.
        metadata["issuer"] = settings.SSO_ISSUER
        metadata["id_token_signing_alg_values_supported"] = ID_TOKEN_ALGORITHMS
        return metadata


class RoseAshOAuth(OAuth):
    oauth2_client_cls = RoseAshOIDCApp


@cache
def oidc_client(site):
    """Return the authlib client ``site`` signs in with (built once per process and configuration)."""
    reg = client_registration(site)
    registry = RoseAshOAuth()
    return registry.register(
        name=f"roseash_{site}",
        client_id=reg.client_id,
        client_secret=reg.client_secret,
        server_metadata_url=f"{settings.SSO_ISSUER}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile email",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
        },
    )


def id_token_claims_options(site):
    """What an ID token for ``site`` must say: our issuer, this site as audience, a member and an SSO session."""
    return {
        "iss": {"essential": True, "value": settings.SSO_ISSUER},
        "aud": {"essential": True, "value": client_registration(site).client_id},
        "sub": {"essential": True},
        "sid": {"essential": True},
    }


def unavailable():
    return RoseAshError(
        "sso_unavailable", "Signing in is not available right now. Please try again shortly.", status=503
    )


def begin_sign_in(request, site, *, next_url, silent):
    """Return the federation URL that starts signing in, remembering state, nonce, verifier and ``next``."""
    client = oidc_client(site)
    redirect_uri = client_registration(site).redirect_uri
    try:
        authorization = client.create_authorization_url(redirect_uri, **({"prompt": "none"} if silent else {}))
    except requests.RequestException:
        logger.exception("The federation site did not answer discovery for %s", site)
        raise unavailable() from None
    client.save_authorize_data(request, redirect_uri=redirect_uri, next=next_url, silent=silent, **authorization)
    return authorization["url"]


@dataclass(frozen=True)
class SignInAnswer:
    """What came back to ``/auth/callback``: validated ID-token claims, or None when the answer was an error."""

    next_url: str
    silent: bool
    claims: dict | None


def finish_sign_in(request, site):
    """
    Check the answer at ``/auth/callback``: state, issuer, code exchange, ID token and nonce.

    Raise ``RoseAshError`` for an answer this browser did not ask for or that does not verify.
    """
    client = oidc_client(site)
    state = request.GET.get("state", "")
    started = client.framework.get_state_data(request.session, state) if state else None
    if started is None:
        raise RoseAshError(
            "sso_state_mismatch", "This sign-in was not started in this browser, or it expired. Please sign in again."
        )
    next_url, silent = started.get("next") or "/", bool(started.get("silent"))
    if request.GET.get("error"):
        client.framework.clear_state_data(request.session, state)
        return SignInAnswer(next_url, silent, None)
    # RFC 9207: the answer must come from our issuer, not from a server mixed up with it.
    if request.GET.get("iss") != settings.SSO_ISSUER:
        client.framework.clear_state_data(request.session, state)
        raise RoseAshError("sso_wrong_issuer", "This sign-in answer did not come from Rose Ash. Please sign in again.")
    try:
        token = client.authorize_access_token(request, claims_options=id_token_claims_options(site))
    except (AuthlibBaseError, JoseError, ValueError) as error:
        logger.warning("Refused a sign-in answer on %s: %r", site, error)
        raise RoseAshError("sso_refused", "This sign-in could not be verified. Please sign in again.") from None
    except requests.RequestException:
        logger.exception("The token exchange with the federation site failed")
        raise unavailable() from None
    if not token.get("userinfo"):
        raise RoseAshError("sso_refused", "The sign-in answer carried no ID token. Please sign in again.")
    return SignInAnswer(next_url, silent, dict(token["userinfo"]))


def end_session_url(site):
    """Return where to send the browser to end its session at the federation site (RP-initiated logout)."""
    reg = client_registration(site)
    endpoint = oidc_client(site).load_server_metadata()["end_session_endpoint"]
    query = urlencode({"client_id": reg.client_id, "post_logout_redirect_uri": reg.post_logout_redirect_uri})
    return f"{endpoint}?{query}"


@receiver(setting_changed)
def _forget_clients(setting, **kwargs):
    if setting.startswith(("ROSEASH_", "SSO_", "OAUTH2_PROVIDER")):
        oidc_client.cache_clear()
