"""
The six sites and the portal: which host serves what, and absolute URLs across them.

A site is named by a short word (``"blog"``) and lives on ``<name>.<ROSEASH_DOMAIN>``; the bare
domain is the portal. Everything that needs a host, an origin or a link to another site's route
asks this module, so the mapping lives in one place.
"""

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http.request import split_domain_port
from django.urls import reverse

__all__ = [
    "SiteInfo",
    "UnknownSite",
    "all_sites",
    "get_site",
    "internal_request_target",
    "portal",
    "site_for_host",
    "site_url",
]

PORTAL = ""
DEFAULT_PORTS = {"http": "80", "https": "443"}


class UnknownSite(LookupError):
    pass


@dataclass(frozen=True)
class SiteInfo:
    name: str
    urlconf: str
    host: str
    origin: str

    @property
    def is_portal(self):
        return self.name == PORTAL

    @property
    def title(self):
        return "Rose Ash" if self.is_portal else self.name.capitalize()


def _origin(host):
    scheme, port = settings.ROSEASH_SCHEME, settings.ROSEASH_PORT
    if port and port != DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


@cache
def _registry():
    domain = settings.ROSEASH_DOMAIN
    sites = {
        name: SiteInfo(name, urlconf, f"{name}.{domain}", _origin(f"{name}.{domain}"))
        for name, urlconf in settings.ROSEASH_SITES.items()
    }
    sites[PORTAL] = SiteInfo(PORTAL, settings.ROSEASH_PORTAL_URLCONF, domain, _origin(domain))
    by_host = {site.host: site for site in sites.values()}
    return sites, by_host


@receiver(setting_changed)
def _forget_registry(setting, **kwargs):
    if setting.startswith("ROSEASH_"):
        _registry.cache_clear()


def all_sites():
    """Return the six sites, in the order settings list them (the portal is not one of them)."""
    sites, _ = _registry()
    return tuple(site for name, site in sites.items() if name != PORTAL)


def portal():
    return _registry()[0][PORTAL]


def get_site(name):
    try:
        return _registry()[0][name]
    except KeyError:
        known = ", ".join(settings.ROSEASH_SITES)
        raise UnknownSite(f"There is no site named {name!r}; the sites are {known}.") from None


def site_for_host(host):
    """Return the site served on ``host`` (a port is ignored), or None when none is."""
    domain, _port = split_domain_port(host)
    return _registry()[1].get(domain)


def site_url(site, viewname, args=None, kwargs=None, query=None):
    """Return the absolute URL of a named route of another site, e.g. ``site_url("cart", "cart:home")``."""
    target = get_site(site)
    path = reverse(viewname, urlconf=target.urlconf, args=args, kwargs=kwargs)
    url = target.origin + path
    if query:
        url += "?" + urlencode(query, doseq=True)
    return url


def internal_request_target(url):
    """
    Return ``(url, headers)`` for a server-side request to ``url``.

    When the URL is on one of our sites' public origins (host, scheme and the port we serve on) and
    ``ROSEASH_INTERNAL_URL`` is set, the request goes to that address instead, with the original
    host in the ``Host`` header (and the scheme in ``X-Forwarded-Proto``, as the reverse proxy would
    send it): public hostnames such as ``blog.localhost`` rarely resolve on a server, yet each site
    must be reached by its own host.
    """
    internal = settings.ROSEASH_INTERNAL_URL
    parts = urlsplit(url)
    if not internal or not _names_our_origin(parts):
        return url, {}
    target = urlsplit(internal)
    rewritten = urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
    # The scheme travels too, so an https deployment does not redirect its own internal calls.
    return rewritten, {"Host": parts.netloc, "X-Forwarded-Proto": parts.scheme}


def _names_our_origin(parts):
    """
    Return whether the split URL ``parts`` names one of our hosts with the scheme and port we serve on.

    The host alone is not enough: ``http://localhost:5432/`` or ``blog.localhost:9999`` is another
    server on a name we share. Sending it to our internal address would give our answer to a URL
    that is not ours, and spare that URL the address check every outside URL must pass. The port
    we serve on is ``ROSEASH_PORT``, else the scheme's default. A URL with credentials or an
    unreadable port names no origin of ours.
    """
    scheme = settings.ROSEASH_SCHEME
    if parts.scheme != scheme or "@" in parts.netloc or parts.hostname not in _registry()[1]:
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    if port is None:
        port = int(DEFAULT_PORTS[scheme])
    return port == int(settings.ROSEASH_PORT or DEFAULT_PORTS[scheme])
