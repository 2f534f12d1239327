"""System checks: configuration mistakes are caught at start-up, not at the first request."""

import re
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from .pages.fragments import unknown_vary_keys

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


@register()
def check_fragments(app_configs, **kwargs):
    """Every fragment's vary keys must be registered by some app, or it could not be cached per viewer."""
    return [
        Error(
            f"Fragment {name!r} varies on {', '.join(keys)}, which no app registers.",
            hint=(
                "Register each with apps.core.pages.fragments.vary_key() "
                "in the AppConfig.ready() of the app it belongs to."
            ),
            id="roseash.E010",
        )
        for name, keys in unknown_vary_keys().items()
    ]


@register()
def check_site_settings(app_configs, **kwargs):
    problems = []
    if not HOSTNAME.match(settings.ROSEASH_DOMAIN):
        problems.append(
            Error(
                f"ROSEASH_DOMAIN={settings.ROSEASH_DOMAIN!r} is not a host name.",
                hint="Set it to the bare domain the six sites live under, e.g. coop.example.org.",
                id="roseash.E001",
            )
        )
    if settings.ROSEASH_SCHEME not in ("http", "https"):
        problems.append(Error(f"ROSEASH_SCHEME={settings.ROSEASH_SCHEME!r} must be http or https.", id="roseash.E002"))
    if settings.ROSEASH_PORT and not settings.ROSEASH_PORT.isdigit():
        problems.append(Error(f"ROSEASH_PORT={settings.ROSEASH_PORT!r} is not a port number.", id="roseash.E003"))
    internal = settings.ROSEASH_INTERNAL_URL
    if internal and (urlsplit(internal).scheme not in ("http", "https") or not urlsplit(internal).netloc):
        problems.append(
            Error(
                f"ROSEASH_INTERNAL_URL={internal!r} is not an http(s) URL.",
                hint="Give the address our sites reach each other on, e.g. http://127.0.0.1:8000.",
                id="roseash.E004",
            )
        )
    if settings.ROSEASH_OUTBOUND_ALLOW_NETWORKS and not settings.DEBUG:
        problems.append(
            Error(
                "ROSEASH_OUTBOUND_ALLOW_NETWORKS is set with DEBUG off: outbound requests may reach "
                f"{', '.join(settings.ROSEASH_OUTBOUND_ALLOW_NETWORKS)} on our own network.",
                hint="Unset ROSEASH_OUTBOUND_ALLOW_NETWORKS in production; it is for development and tests.",
                id="roseash.E006",
            )
        )
    if not settings.DEBUG and settings.ROSEASH_SCHEME != "https":
        problems.append(
            Warning(
                "The sites are served over plain HTTP with DEBUG off.",
                hint="Set ROSEASH_SCHEME=https in production.",
                id="roseash.W001",
            )
        )
    return problems


@register()
def check_ca_bundle(app_configs, **kwargs):
    """A CA bundle that cannot be loaded would fail every outbound HTTPS request: say so at start-up."""
    path = settings.ROSEASH_CA_BUNDLE
    if not path:
        return []
    try:
        ssl.create_default_context(cafile=path)
    except OSError as exc:  # ssl.SSLError too: a file without PEM certificates
        return [
            Error(
                f"ROSEASH_CA_BUNDLE={path!r} cannot be loaded: {exc}.",
                hint=(
                    "Name a PEM file of the certificate authorities outbound HTTPS should trust. When "
                    "ROSEASH_CA_BUNDLE is unset the file comes from REQUESTS_CA_BUNDLE or SSL_CERT_FILE; "
                    "unset all three to trust the built-in set."
                ),
                id="roseash.E005",
            )
        ]
    return []
