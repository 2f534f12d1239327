"""
The OpenID Connect server's customisation: which claims an ID token carries, and the ``sid``.

django-oauth-toolkit does the protocol. What is ours: the claims (the username is the member's
fediverse handle); carrying the browser's SSO session from the authorization request, where the
session cookie is, to the token request, where it is not; and two refusals the toolkit leaves
undone: an access token outside the ``Authorization`` header at userinfo, and a second exchange
of a code, which also revokes what the first exchange issued (``code_reuse``).
"""

import json

from oauth2_provider.exceptions import InvalidOIDCClientError
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import RPInitiatedLogoutView
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError

from .. import services
from . import code_reuse

HEADER_ONLY = "Send the access token in the Authorization header (Bearer), never in the query string or the form body."


class SingleSignOnOAuthLibCore(OAuthLibCore):
    """
    Hand the SSO session of the signed-in browser to the validator as it issues a code, and take
    access tokens at userinfo from the ``Authorization`` header only.
    """

    def create_authorization_response(self, request, scopes, credentials, allow):
        credentials["sso_session_id"] = services.current_sso_session_id(request)
        return super().create_authorization_response(request, scopes, credentials, allow)

    def create_userinfo_response(self, request):
        """
        Refuse an ``access_token`` parameter in the query string or a form body (RFC 6750 §2, RFC 9700
        §4.3.2): a token in a URL ends up in logs and histories. The toolkit's
        ``COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT`` guards only ``verify_request``, and oauthlib's
        userinfo endpoint reads the parameter whenever the header is absent. Beside the header it is
        refused too: a request uses one method only (§2).
        """
        if "access_token" in request.GET or "access_token" in request.POST:
            body = {"error": "invalid_request", "error_description": HEADER_ONLY}
            headers = {
                "Content-Type": "application/json",
                "Cache-Control": "no-store",
                "WWW-Authenticate": f'Bearer error="invalid_request", error_description="{HEADER_ONLY}"',
            }
            return None, headers, json.dumps(body), 400
        return super().create_userinfo_response(request)


class RoseAshOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "sid": "openid"}

    def _create_authorization_code(self, request, code, expires=None):
        grant = super()._create_authorization_code(request, code, expires)
        services.link_grant(grant, getattr(request, "sso_session_id", None))
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        """A code the toolkit does not know may be one already exchanged: refused, and what it gave revoked."""
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        code_reuse.revoke_tokens_of_reused_code(client.pk, code)
        return False

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        """
        Two exchanges of one code can both pass ``validate_code`` before either deletes it; the one
        that finds it gone is a reuse too, and revokes what both issued before it is refused.
        """
        try:
            super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        except InvalidGrantError:
            code_reuse.revoke_tokens_of_reused_code(request.client.pk, code)
            raise

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        refresh_token = super()._create_refresh_token(request, refresh_token_code, access_token, previous_refresh_token)
        if request.grant_type == "authorization_code":
            code_reuse.remember_exchange(
                request.client.pk,
                request.code,
                token_family=refresh_token.token_family,
                id_token_id=access_token.id_token_id,
            )
        return refresh_token

    def validate_silent_login(self, request):
        """``prompt=none``: the authorization view only runs for a signed-in browser (it answers
        ``login_required`` to any other), so a login is always there by now."""
        return True

    def validate_silent_authorization(self, request):
        """``prompt=none``: only our own sites, which never show a consent screen, may ask silently."""
        return bool(request.client and request.client.skip_authorization)

    def get_additional_claims(self, request):
        """Claims beyond ``sub``; each is filtered by the scope ``oidc_claim_scope`` gives it."""
        user = request.user
        claims = {
            "preferred_username": user.username,
            "name": user.get_full_name() or user.username,
            "email": user.email,
            "email_verified": user.is_active,  # accounts activate by following the emailed link
        }
        code = getattr(request, "code", None)
        sid = services.sso_session_for_code(request.client, code) if code else None
        if sid:
            claims["sid"] = sid
        return claims


class EndSessionView(RPInitiatedLogoutView):
    """RP-initiated logout that answers an unknown ``client_id`` with 400 instead of a server error."""

    def get_request_application(self, id_token, client_id):
        try:
            return super().get_request_application(id_token, client_id)
        except get_application_model().DoesNotExist:
            raise InvalidOIDCClientError() from None
