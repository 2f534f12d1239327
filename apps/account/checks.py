"""System checks for single sign-on settings: mistakes show at start-up, not at the first sign-in."""

from django.conf import settings
from django.core.checks import Error, register

from apps.core.sites import get_site


@register()
def check_sso_settings(app_configs, **kwargs):
    problems = []
    expected = f"{get_site('federation').origin}/o"
    if expected != settings.SSO_ISSUER:
        problems.append(
            Error(
                f"ROSEASH_SSO_ISSUER={settings.SSO_ISSUER!r} is not the federation site's /o/ ({expected!r}).",
                hint="Unset ROSEASH_SSO_ISSUER, or make it match ROSEASH_DOMAIN, ROSEASH_SCHEME and ROSEASH_PORT.",
                id="account.E001",
            )
        )
    unknown = [site for site in settings.SSO_CLIENT_SITES if site not in settings.ROSEASH_SITES or site == "federation"]
    if unknown:
        problems.append(
            Error(
                f"SSO_CLIENT_SITES names {unknown}, which are not client sites.",
                hint="List only sites of ROSEASH_SITES other than federation.",
                id="account.E002",
            )
        )
    weak = [site for site, secret in settings.SSO_CLIENT_SECRETS.items() if len(secret) < 32]
    if weak:
        problems.append(
            Error(
                f"The SSO client secrets of {weak} are shorter than 32 characters.",
                hint=(
                    "Set ROSEASH_SSO_SECRET_<SITE> to 32+ random characters, "
                    "e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'."
                ),
                id="account.E003",
            )
        )
    if not settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]:
        problems.append(
            Error(
                "OIDC_RSA_PRIVATE_KEY is not set: the federation site cannot sign ID tokens, so nobody can sign in.",
                hint="Give the PEM of an RSA key of 2048 bits or more, e.g. from "
                "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`; see docs/sso.md.",
                id="account.E004",
            )
        )
    return problems
