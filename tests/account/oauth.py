"""Helpers for driving the federation site's OAuth endpoints as one of our client sites would."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings

from apps.account.services import client_registration


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(site="blog", **overrides):
    reg = client_registration(site)
    params = {
        "response_type": "code",
        "client_id": reg.client_id,
        "redirect_uri": reg.redirect_uri,
        "scope": "openid profile email",
        "state": "state-123",
        "nonce": "nonce-123",
        **overrides,
    }
    return "/o/authorize/?" + urlencode({key: value for key, value in params.items() if value is not None})


def query_of(response):
    return {key: values[0] for key, values in parse_qs(urlsplit(response["Location"]).query).items()}


def basic_auth(site):
    reg = client_registration(site)
    raw = f"{reg.client_id}:{reg.client_secret}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}


def issue_code(federation, site="blog"):
    """Return ``(code, verifier)`` for a signed-in ``federation`` client authorizing ``site``."""
    verifier, challenge = pkce_pair()
    response = federation.get(authorize_url(site, code_challenge=challenge, code_challenge_method="S256"))
    assert response.status_code == 302, response.content
    query = query_of(response)
    assert "code" in query, query
    return query["code"], verifier


def exchange(federation, code, verifier, site="blog", as_site=None):
    """POST the code to the token endpoint with ``as_site``'s client credentials (default: ``site``'s)."""
    return federation.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": client_registration(site).redirect_uri,
            "code_verifier": verifier,
        },
        **basic_auth(as_site or site),
    )


def issuer():
    return settings.SSO_ISSUER
