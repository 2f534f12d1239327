"""The federation site's OAuth2/OIDC server: what it issues, and every request it must refuse."""

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken
from oauthlib.common import Request as OAuthlibRequest
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError

from apps.account import services
from apps.account.models import RedeemedCode, SSOSession
from apps.account.sso.server import RoseAshOAuth2Validator
from apps.account.tasks import clear_expired_sign_ins

from .oauth import authorize_url, basic_auth, exchange, issue_code, issuer, pkce_pair, query_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clients():
    services.sync_sso_clients()


@pytest.fixture
def federation(site_client, member):
    """A browser signed in at the federation site (the middleware gives it an SSO session)."""
    return site_client("federation", signed_in=member)


def userinfo(federation, access_token):
    return federation.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}")


def decode_id_token(federation, raw):
    keys = jwk.JWKSet.from_json(federation.get("/o/.well-known/jwks.json").content)
    token = jwt.JWT(jwt=raw, key=keys, algs=["RS256"])
    return json.loads(token.header), json.loads(token.claims)


# --- What a good request gets ------------------------------------------------------------------------


def test_discovery_names_the_configured_issuer_whatever_the_host_port(site_client):
    response = site_client("federation").get(
        "/o/.well-known/openid-configuration", HTTP_HOST="federation.localhost:9999"
    )

    document = response.json()
    assert document["issuer"] == issuer() == "http://federation.localhost/o"
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert "end_session_endpoint" in document


def test_code_flow_issues_a_short_rs256_id_token_naming_the_sso_session(federation, member):
    code, verifier = issue_code(federation)

    response = exchange(federation, code, verifier)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["expires_in"] == 300
    header, claims = decode_id_token(federation, body["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"]
    assert claims["iss"] == issuer()
    assert claims["aud"] == "roseash-blog"
    assert claims["sub"] == str(member.pk)
    assert claims["preferred_username"] == "alice"
    assert claims["email"] == "alice@example.org"
    assert claims["nonce"] == "nonce-123"
    assert claims["exp"] - claims["iat"] <= 300
    assert claims["sid"] == str(SSOSession.objects.get(user=member).pk)


def test_authorization_answer_names_the_issuer(federation):
    _verifier, challenge = pkce_pair()
    response = federation.get(authorize_url(code_challenge=challenge, code_challenge_method="S256"))

    assert response["Location"].startswith("http://blog.localhost/auth/callback?")
    assert query_of(response)["iss"] == issuer()
    assert query_of(response)["state"] == "state-123"


def test_refresh_tokens_rotate_and_a_replay_revokes_the_family(federation):
    code, verifier = issue_code(federation)
    first = exchange(federation, code, verifier).json()["refresh_token"]

    rotated = federation.post(
        "/o/token/", {"grant_type": "refresh_token", "refresh_token": first}, **basic_auth("blog")
    )
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first

    replay = federation.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": first}, **basic_auth("blog"))
    assert replay.status_code == 400
    after = federation.post("/o/token/", {"grant_type": "refresh_token", "refresh_token": second}, **basic_auth("blog"))
    assert after.status_code == 400, "a replayed refresh token must revoke the whole family"
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


# --- Access tokens travel in the Authorization header only (RFC 6750 §2.1, RFC 9700 §4.3.2) ----------------


def test_userinfo_answers_a_bearer_token_in_the_authorization_header(federation, member):
    code, verifier = issue_code(federation)
    token = exchange(federation, code, verifier).json()["access_token"]

    for method in (federation.get, federation.post):
        response = method("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        assert response.json()["sub"] == str(member.pk)


@pytest.mark.parametrize("where", ["query", "form body", "form body beside the header"])
def test_userinfo_refuses_an_access_token_outside_the_authorization_header(federation, where):
    code, verifier = issue_code(federation)
    token = exchange(federation, code, verifier).json()["access_token"]

    if where == "query":
        response = federation.get(f"/o/userinfo/?access_token={token}")
    elif where == "form body":
        response = federation.post("/o/userinfo/", {"access_token": token})
    else:
        response = federation.post("/o/userinfo/", {"access_token": token}, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "Authorization header" in body["error_description"]
    assert "sub" not in body
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_request"')


# --- Attack 1: redirect URI variants are refused without redirecting --------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://blog.localhost/auth/callback/",
        "http://blog.localhost/auth/callback?x=1",
        "http://blog.localhost/auth/callback;x",
        "http://blog.localhost/auth/callback#frag",
        "http://user@blog.localhost/auth/callback",
        "http://blog.localhost.evil.example/auth/callback",
        "http://blog.localhost:8080/auth/callback",
        "https://blog.localhost/auth/callback",
        "http://cart.localhost/auth/callback",
        "http://BLOG.localhost/auth/Callback",
    ],
)
def test_a_redirect_uri_that_is_not_exactly_registered_is_refused_without_redirecting(federation, redirect_uri):
    _, challenge = pkce_pair()

    response = federation.get(
        authorize_url(redirect_uri=redirect_uri, code_challenge=challenge, code_challenge_method="S256")
    )

    assert response.status_code == 400
    assert "Location" not in response
    assert not Grant.objects.exists()


# --- Attack 2: prompt=none never redirects off-site ----------------------------------------------------------


@pytest.mark.parametrize(
    ("client_id", "redirect_uri"),
    [
        ("unknown-client", "http://blog.localhost/auth/callback"),
        ("roseash-blog", "https://evil.example/steal"),
        (None, "https://evil.example/steal"),
    ],
)
def test_prompt_none_with_an_unknown_client_or_redirect_shows_an_error(site_client, client_id, redirect_uri):
    visitor = site_client("federation")

    response = visitor.get(authorize_url(client_id=client_id, redirect_uri=redirect_uri, prompt="none"))

    assert response.status_code == 400
    assert "Location" not in response


def test_prompt_none_for_a_visitor_answers_login_required_to_the_registered_redirect(site_client):
    _, challenge = pkce_pair()

    response = site_client("federation").get(
        authorize_url(prompt="none", code_challenge=challenge, code_challenge_method="S256")
    )

    assert response.status_code == 302
    assert response["Location"].startswith("http://blog.localhost/auth/callback?")
    assert query_of(response)["error"] == "login_required"


# --- Attack 3: PKCE is required, S256 only, and checked ------------------------------------------------------


@pytest.mark.parametrize(
    "pkce",
    [
        {},
        {"code_challenge": "a" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "a" * 43, "code_challenge_method": "S512"},
    ],
    ids=["missing", "plain", "unknown-method"],
)
def test_an_authorization_without_s256_pkce_gets_no_code(federation, pkce):
    response = federation.get(authorize_url(**pkce))

    if response.status_code == 302:
        query = query_of(response)
        assert query["error"] == "invalid_request"
        assert "code" not in query
    else:
        assert response.status_code == 400
    assert not Grant.objects.exists()


def test_a_wrong_code_verifier_fails(federation):
    code, _ = issue_code(federation)

    response = exchange(federation, code, "x" * 50)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_missing_code_verifier_fails(federation):
    code, _ = issue_code(federation)

    response = exchange(federation, code, "")

    assert response.status_code == 400


# --- Attack 4: a code works once, briefly, for the site it was issued to -------------------------------------------


def test_a_code_used_twice_fails_and_revokes_the_tokens_it_gave(federation):
    code, verifier = issue_code(federation)
    first = exchange(federation, code, verifier).json()
    assert userinfo(federation, first["access_token"]).status_code == 200

    again = exchange(federation, code, verifier)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert userinfo(federation, first["access_token"]).status_code == 401
    refreshed = federation.post(
        "/o/token/", {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, **basic_auth("blog")
    )
    assert refreshed.status_code == 400
    assert not IDToken.objects.exists()
    assert not AccessToken.objects.exists()


def test_a_reused_code_revokes_the_tokens_refreshed_from_it_too(federation):
    code, verifier = issue_code(federation)
    first = exchange(federation, code, verifier).json()
    rotated = federation.post(
        "/o/token/", {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, **basic_auth("blog")
    ).json()

    assert exchange(federation, code, verifier).status_code == 400

    assert userinfo(federation, rotated["access_token"]).status_code == 401
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()
    assert not IDToken.objects.exists()


def test_a_reuse_revokes_only_that_codes_tokens(federation):
    code, verifier = issue_code(federation)
    other_code, other_verifier = issue_code(federation)
    exchange(federation, code, verifier)
    other = exchange(federation, other_code, other_verifier).json()

    exchange(federation, code, verifier)

    assert userinfo(federation, other["access_token"]).status_code == 200


def test_the_loser_of_two_concurrent_exchanges_revokes_both(federation):
    """Both exchanges passed ``validate_code`` before either deleted the grant: the one that finds it
    gone must refuse and revoke what both issued (here, the winner's tokens)."""
    code, verifier = issue_code(federation)
    first = exchange(federation, code, verifier).json()
    request = OAuthlibRequest("http://federation.localhost/o/token/")
    request.client = Application.objects.get(client_id="roseash-blog")

    with pytest.raises(InvalidGrantError):
        RoseAshOAuth2Validator().invalidate_authorization_code(request.client.client_id, code, request)

    assert userinfo(federation, first["access_token"]).status_code == 401


def test_what_a_code_gave_is_remembered_by_its_hash_only_and_not_for_ever(federation, settings):
    code, verifier = issue_code(federation)
    exchange(federation, code, verifier)

    redeemed = RedeemedCode.objects.get()
    assert redeemed.code_hash == hashlib.sha256(code.encode()).hexdigest()
    lifetime = settings.OAUTH2_PROVIDER["AUTHORIZATION_CODE_EXPIRE_SECONDS"]
    assert timezone.now() + timedelta(seconds=lifetime) < redeemed.expires
    assert redeemed.expires < timezone.now() + timedelta(seconds=lifetime + 600)

    RedeemedCode.objects.update(expires=timezone.now() - timedelta(seconds=1))
    clear_expired_sign_ins()
    assert not RedeemedCode.objects.exists()


def test_an_expired_code_fails(federation):
    code, verifier = issue_code(federation)
    Grant.objects.filter(code=code).update(expires=timezone.now() - timedelta(seconds=1))

    response = exchange(federation, code, verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_another_sites_client_cannot_use_the_code(federation):
    code, verifier = issue_code(federation, site="blog")

    response = exchange(federation, code, verifier, site="blog", as_site="cart")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_fails(federation):
    code, verifier = issue_code(federation)
    wrong = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"roseash-blog:guess").decode()}

    response = federation.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://blog.localhost/auth/callback",
            "code_verifier": verifier,
        },
        **wrong,
    )

    assert response.status_code == 401


@pytest.mark.parametrize("grant_type", ["password", "client_credentials", "implicit"])
def test_grants_other_than_the_code_are_refused(site_client, member, grant_type):
    response = site_client("federation").post(
        "/o/token/",
        {"grant_type": grant_type, "username": "alice", "password": "a-long-pass-phrase"},
        **basic_auth("blog"),
    )

    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()


def test_the_implicit_flow_is_refused(federation):
    response = federation.get(authorize_url(response_type="id_token token"))

    assert "access_token=" not in response.get("Location", "")
    assert "id_token=" not in response.get("Location", "")
