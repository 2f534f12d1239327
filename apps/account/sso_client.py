"""
Each site's OpenID Connect client (authlib), talking to the federation site.

authlib does discovery, state, nonce, PKCE (S256) and ID-token validation. What is ours:
server-to-server requests reach the federation site through ``ROSEASH_INTERNAL_URL`` when set
(development, tests, split deployments), ID tokens must be RS256, and the issuer is the one
configured, never one a response names.
"""

from functools import cache
from urllib.parse import urlencode, urlsplit

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from requests.adapters import HTTPAdapter

from apps.core.sites import internal_request_target

from .services import client_registration

__all__ = ["ID_TOKEN_ALGORITHMS", "end_session_url", "id_token_claims_options", "oidc_client"]

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
