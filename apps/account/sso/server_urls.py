"""
The OAuth2/OpenID Connect server's routes on the federation site (``/o/...``).

Only what single sign-on needs: django-oauth-toolkit's application-management pages, device
flow and dynamic registration stay unmounted.
"""

from django.urls import path, re_path
from oauth2_provider import views

from .server import EndSessionView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", views.AuthorizationView.as_view(), name="authorize"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    re_path(
        r"^\.well-known/openid-configuration$",
        views.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", views.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path("logout/", EndSessionView.as_view(), name="rp-initiated-logout"),
]
