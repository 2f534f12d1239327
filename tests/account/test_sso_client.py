"""
A client site's side of the flow against a stand-in identity provider (a real local HTTP server).

The stand-in answers discovery, JWKS and the token request with ID tokens made to order, so each
way a token can be wrong is offered to the real ``/auth/callback`` and must be refused.
"""

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from apps.account.models import SSOSession

pytestmark = pytest.mark.django_db

SIGNING_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
STRANGER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k2"}, private=True)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class StandInProvider:
    def __init__(self, httpserver, issuer):
        self.httpserver = httpserver
        self.issuer = issuer
        base = f"{issuer}"
        httpserver.expect_request("/o/.well-known/openid-configuration").respond_with_json(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{base}/authorize/",
                "token_endpoint": f"{base}/token/",
                "jwks_uri": f"{base}/.well-known/jwks.json",
                "end_session_endpoint": f"{base}/logout/",
                "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
            }
        )
        httpserver.expect_request("/o/.well-known/jwks.json").respond_with_json(
            {"keys": [SIGNING_KEY.as_dict(private=False)]}
        )

    def answer_with(self, id_token):
        self.httpserver.expect_oneshot_request("/o/token/", method="POST").respond_with_json(
            {"access_token": "an-access-token", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        )


@pytest.fixture
def provider(httpserver, settings):
    issuer = f"http://127.0.0.1:{httpserver.port}/o"
    settings.SSO_ISSUER = issuer
    return StandInProvider(httpserver, issuer)


@pytest.fixture
def sso_session(member):
    return SSOSession.objects.create(user=member)


@pytest.fixture
def blog(site_client):
    return site_client("blog")


def start_sign_in(client, next_url="/after"):
    response = client.get(f"/auth/login?{urlencode({'next': next_url})}")
    assert response.status_code == 302
    query = {key: values[0] for key, values in parse_qs(urlsplit(response["Location"]).query).items()}
    assert query["code_challenge_method"] == "S256"
    return query


def claims_for(provider, start, member, sso_session, **changes):
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "sub": str(member.pk),
        "aud": "roseash-blog",
        "iat": now,
        "exp": now + 300,
        "auth_time": now,
        "nonce": start["nonce"],
        "sid": str(sso_session.pk),
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def signed(claims, key=SIGNING_KEY, alg="RS256"):
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)


def finish(client, provider, start, **params):
    query = {"code": "a-code", "state": start["state"], "iss": provider.issuer, **params}
    return client.get(f"/auth/callback?{urlencode(query)}")


def signed_in(client):
    return "_auth_user_id" in client.session


def test_a_valid_id_token_signs_the_member_in_and_returns_to_next(blog, provider, member, sso_session):
    start = start_sign_in(blog)
    provider.answer_with(signed(claims_for(provider, start, member, sso_session)))

    response = finish(blog, provider, start)

    assert response.status_code == 302
    assert response["Location"] == "/after"
    assert blog.session["_auth_user_id"] == str(member.pk)
    assert blog.session["sso_sid"] == str(sso_session.pk)


def forged_tokens():
    """Each way an ID token may be wrong, as a function of the test's provider, start and member."""

    def alg_none(provider, start, member, sso):
        header = b64(json.dumps({"alg": "none", "kid": "k1"}).encode())
        return f"{header}.{b64(json.dumps(claims_for(provider, start, member, sso)).encode())}."

    def hs256_with_public_key(provider, start, member, sso):
        header = b64(json.dumps({"alg": "HS256", "kid": "k1"}).encode())
        payload = b64(json.dumps(claims_for(provider, start, member, sso)).encode())
        secret = SIGNING_KEY.as_pem(private=False)
        signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{b64(signature)}"

    return {
        "another-audience": lambda p, s, m, sso: signed(
            claims_for(p, s, m, sso, aud="roseash-cart", azp="roseash-cart")
        ),
        "foreign-audience-own-azp": lambda p, s, m, sso: signed(
            claims_for(p, s, m, sso, aud="roseash-cart", azp="roseash-blog")
        ),
        "sid-missing": lambda p, s, m, sso: signed(claims_for(p, s, m, sso, sid=None)),
        "audience-without-azp": lambda p, s, m, sso: signed(claims_for(p, s, m, sso, aud="roseash-cart")),
        "wrong-issuer": lambda p, s, m, sso: signed(claims_for(p, s, m, sso, iss="http://evil.example/o")),
        "alg-none": alg_none,
        "alg-hs256": hs256_with_public_key,
        "unknown-kid": lambda p, s, m, sso: signed(claims_for(p, s, m, sso), key=STRANGER_KEY),
        "nonce-mismatch": lambda p, s, m, sso: signed(claims_for(p, s, m, sso, nonce="another-nonce")),
        "nonce-missing": lambda p, s, m, sso: signed(claims_for(p, s, m, sso, nonce=None)),
        "expired": lambda p, s, m, sso: signed(claims_for(p, s, m, sso, exp=int(time.time()) - 600)),
        "tampered": lambda p, s, m, sso: signed(claims_for(p, s, m, sso))[:-6] + "AAAAAA",
    }


@pytest.mark.parametrize("forgery", list(forged_tokens()))
def test_a_forged_or_foreign_id_token_is_refused(blog, provider, member, sso_session, forgery):
    start = start_sign_in(blog)
    provider.answer_with(forged_tokens()[forgery](provider, start, member, sso_session))

    response = finish(blog, provider, start)

    assert response.status_code == 400
    assert not signed_in(blog)


def test_an_id_token_for_an_ended_sso_session_is_refused(blog, provider, member, sso_session):
    sso_session.ended_at = sso_session.started_at
    sso_session.save()
    start = start_sign_in(blog)
    provider.answer_with(signed(claims_for(provider, start, member, sso_session)))

    response = finish(blog, provider, start)

    assert response.status_code == 403
    assert not signed_in(blog)


def test_an_id_token_whose_sso_session_is_another_members_is_refused(
    blog, provider, member, sso_session, django_user_model
):
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "another-pass-phrase")
    start = start_sign_in(blog)
    provider.answer_with(signed(claims_for(provider, start, bob, sso_session)))

    response = finish(blog, provider, start)

    assert response.status_code == 403
    assert not signed_in(blog)


def test_a_state_this_browser_did_not_start_is_refused(blog, provider, member, sso_session, site_client):
    start = start_sign_in(site_client("blog"))  # another browser started it
    provider.answer_with(signed(claims_for(provider, start, member, sso_session)))

    response = finish(blog, provider, start)

    assert response.status_code == 400
    assert not signed_in(blog)


def test_a_missing_state_is_refused(blog, provider):
    response = blog.get("/auth/callback?code=a-code")

    assert response.status_code == 400


def test_a_state_is_good_for_one_answer_only(blog, provider, member, sso_session):
    start = start_sign_in(blog)
    provider.answer_with(signed(claims_for(provider, start, member, sso_session)))
    assert finish(blog, provider, start).status_code == 302
    blog.logout()

    replay = finish(blog, provider, start)

    assert replay.status_code == 400


def test_an_answer_naming_another_issuer_is_refused(blog, provider, member, sso_session):
    start = start_sign_in(blog)
    provider.answer_with(signed(claims_for(provider, start, member, sso_session)))

    response = finish(blog, provider, start, iss="http://evil.example/o")

    assert response.status_code == 400
    assert not signed_in(blog)


def test_an_error_answer_returns_to_next_signed_out(blog, provider):
    start = start_sign_in(blog)

    response = blog.get(f"/auth/callback?{urlencode({'error': 'access_denied', 'state': start['state']})}")

    assert response.status_code == 302
    assert response["Location"] == "/after"
    assert not signed_in(blog)


# --- `next` may only point at our own hosts ------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http://blog.localhost.evil.example/",
        "http://evil.example\\@blog.localhost/",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://user@evil.example/",
    ],
)
def test_next_off_our_hosts_falls_back_to_the_home_page(blog, provider, next_url):
    start = start_sign_in(blog, next_url=next_url)

    response = blog.get(f"/auth/callback?{urlencode({'error': 'login_required', 'state': start['state']})}")

    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["/posts/1?x=2", "http://cart.localhost/checkout", "http://localhost/"])
def test_next_on_our_hosts_is_kept(blog, provider, next_url):
    start = start_sign_in(blog, next_url=next_url)

    response = blog.get(f"/auth/callback?{urlencode({'error': 'login_required', 'state': start['state']})}")

    assert response["Location"] == next_url
