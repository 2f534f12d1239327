"""URLconf of federation.<domain>: the OAuth2/OIDC server under /o/, member pages under /account/."""

from django.urls import include, path

from . import site_patterns

urlpatterns = site_patterns(
    path("o/", include("apps.account.sso.server_urls")),
    path("account/", include("apps.account.member_urls")),
    path("", include("apps.federation.urls")),
)
