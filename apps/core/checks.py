"""System checks: configuration mistakes are caught at start-up, not at the first request."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from .fragments import unknown_vary_keys

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


@register()
def check_fragments(app_configs, **kwargs):
    """Every fragment's vary keys must be registered by some app, or it could not be cached per viewer."""
    return [
        Error(
            f"Fragment {name!r} varies on {', '.join(keys)}, which no app registers.",
            hint="Register each with apps.core.fragments.vary_key() in the AppConfig.ready() of the app it belongs to.",
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
    if not settings.DEBUG and settings.ROSEASH_SCHEME != "https":
        problems.append(
            Warning(
                "The sites are served over plain HTTP with DEBUG off.",
                hint="Set ROSEASH_SCHEME=https in production.",
                id="roseash.W001",
            )
        )
    return problems
