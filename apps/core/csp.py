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

from csp.middleware import CSPMiddleware

from .sites import all_sites, portal

__all__ = ["SiteCSPMiddleware"]

# Directives that list our own origins beside what settings give them.
OWN_ORIGIN_DIRECTIVES = ("form-action", "img-src")


def own_origins():
    """Return the origins of the portal and the six sites, e.g. ``https://blog.coop.example.org``."""
    return [portal().origin, *(site.origin for site in all_sites())]


class SiteCSPMiddleware(CSPMiddleware):
    """Send the settings' policy with our own origins added to ``form-action`` and ``img-src``."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        origins = own_origins()
        # A view's own @csp_update comes on top; ours are added to what it asked for.
        update = dict(parts.update or {})
        for directive in OWN_ORIGIN_DIRECTIVES:
            update[directive] = [*origins, *_as_list(update.get(directive))]
        parts.update = update
        return parts


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)
