"""
The Content-Security-Policy header of every site: django-csp's middleware, told our own origins.

The policy is in settings (``CONTENT_SECURITY_POLICY``). The one part settings cannot state is the
list of our seven origins, which follows ``ROSEASH_DOMAIN``, ``ROSEASH_SCHEME`` and ``ROSEASH_PORT``
through ``apps.core.sites``. Single sign-on needs them in ``form-action``: the federation site's
sign-in form is answered with a redirect to the client site's callback, and a site's "Sign out"
form is answered with a redirect to the federation site's end-session endpoint; browsers hold every
hop of a form's redirects to the ``form-action`` of the page that sent it. ``img-src`` gets them
too, so a page may show an image another of our sites serves even over plain HTTP in development.
"""

from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse

from ..sites import all_sites, portal

__all__ = ["SiteCSPMiddleware"]

# Directives that list our own origins beside what settings give them.
OWN_ORIGIN_DIRECTIVES = ("form-action", "img-src")


def own_origins():
    """Return the origins of the portal and the six sites, e.g. ``https://blog.coop.example.org``."""
    return [portal().origin, *(site.origin for site in all_sites())]


# What a view's django-csp decorators leave on its response; a response with none of them, on a
# request that made no nonce, gets the site's own policy, the same for every such response.
VIEW_POLICY_ATTRIBUTES = tuple(
    f"_csp_{part}{suffix}" for part in ("exempt", "config", "update", "replace") for suffix in ("", "_ro")
)
DEBUG_PAGES = (404, 500)  # django-csp leaves Django's debug pages (inline styles) without a policy


class SiteCSPMiddleware(CSPMiddleware):
    """
    Send the settings' policy with our own origins added to ``form-action`` and ``img-src``.

    django-csp builds the header anew for each response (deep copies of the settings, then the
    string), which cost a minimal view a third of its time: 267 µs for ``/healthz`` against 183 µs
    without it, measured in one process through the WSGI handler on 2026-12-02. The header depends
    only on settings and our origins unless a view decorated its response or the page used a nonce,
    so the headers django-csp built for a plain response are kept (until a setting changes, as in
    tests) and copied; anything else still goes through django-csp.
    """

    _site_headers_built = None  # the headers of a plain response, until a setting they depend on changes

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in VIEW_POLICY_ATTRIBUTES)
            or _excludes_paths()
        ):
            return super().process_response(request, response)
        if response.status_code in DEBUG_PAGES and settings.DEBUG:
            return response
        headers = SiteCSPMiddleware._site_headers_built
        if headers is None:
            built = super().process_response(request, HttpResponse())
            headers = {name: value for name, value in built.items() if name.lower().startswith("content-security")}
            SiteCSPMiddleware._site_headers_built = headers
        for name, value in headers.items():
            if name not in response:
                response[name] = value
        # As django-csp does: a nonce asked for once the header is written could not be in it.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        origins = own_origins()
        # A view's own @csp_update comes on top; ours are added to what it asked for.
        update = dict(parts.update or {})
        for directive in OWN_ORIGIN_DIRECTIVES:
            update[directive] = [*origins, *_as_list(update.get(directive))]
        parts.update = update
        return parts


@receiver(setting_changed)
def _forget_site_headers(setting, **kwargs):
    """Settings change in tests: the policy and our origins (``ROSEASH_*``) are read again."""
    if setting.startswith(("CONTENT_SECURITY_POLICY", "ROSEASH_", "DEBUG")):
        SiteCSPMiddleware._site_headers_built = None


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _excludes_paths():
    """Whether settings exclude some paths from a policy (then the header depends on the path)."""
    return any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
    )
