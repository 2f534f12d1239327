"""System checks for the federation settings: a bad peer map is caught at start-up."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string

from .peers.discovery import PEER_NAME


@register()
def check_peer_settings(app_configs, **kwargs):
    problems = []
    for name, base in settings.ROSEASH_FEDERATION_PEERS.items():
        if not PEER_NAME.match(name):
            problems.append(
                Error(
                    f"ROSEASH_FEDERATION_PEERS names a peer {name!r}.",
                    hint="Peer names are 1 to 100 letters, digits, dots, dashes or underscores.",
                    id="federation.E001",
                )
            )
        parts = urlsplit(base) if isinstance(base, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            problems.append(
                Error(
                    f"ROSEASH_FEDERATION_PEERS[{name!r}]={base!r} is not a base URL.",
                    hint="Give the peer's http(s) base URL, e.g. https://shop.example.org.",
                    id="federation.E002",
                )
            )
    resolver = settings.ROSEASH_FEDERATION_PEER_RESOLVER
    if resolver:
        try:
            found = import_string(resolver)
        except ImportError as exc:
            found = None
            reason = str(exc)
        if not callable(found):
            problems.append(
                Error(
                    f"ROSEASH_FEDERATION_PEER_RESOLVER={resolver!r} is not a function we can import"
                    + (f" ({reason})." if found is None else "."),
                    hint="Name a function resolve(name) -> base URL or None, as a dotted path.",
                    id="federation.E003",
                )
            )
    if settings.ROSEASH_FEDERATION_ALLOW_PRIVATE and not settings.DEBUG:
        problems.append(
            Warning(
                "ROSEASH_FEDERATION_ALLOW_PRIVATE is on with DEBUG off: peers can make us fetch from our own network.",
                hint="Unset ROSEASH_FEDERATION_ALLOW_PRIVATE in production; it is for development and tests.",
                id="federation.W001",
            )
        )
    return problems
