"""Keep each site's session in step with the member's single sign-on session."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect

from .. import services
from .views import PROBE_COOKIE

# Paths a silent sign-in must never interrupt: sign-in itself, machines, files and the admin.
NO_PROBE_PREFIXES = ("/auth/", "/admin/", "/internal/", "/healthz", "/readyz", "/static/", "/media/", "/o/")


class SingleSignOnMiddleware:
    """
    On every request, after authentication:

    - a signed-in session whose SSO session has ended (the member signed out on another site) is
      ended here too;
    - on the federation site, a signed-in session without an SSO session (one that predates it)
      is given one, so codes issued to it can name it;
    - on a client site, a visitor's first page view in a browser is sent once, silently, to the
      federation site (``prompt=none``): a member signed in there comes back signed in here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        site = getattr(request, "site_name", "")
        if request.user.is_authenticated:
            sid = services.current_sso_session_id(request)
            if sid is None:
                if site == "federation":
                    services.start_sso_session(request, request.user)
            elif not services.sso_session_is_alive(sid):
                logout(request)
                if not request.path.startswith(NO_PROBE_PREFIXES):  # a page that shows it, not a hop
                    messages.info(request, "You were signed out on another Rose Ash site.")
        elif site in settings.SSO_CLIENT_SITES and should_probe(request):
            return redirect(f"/auth/login?{urlencode({'prompt': 'none', 'next': request.get_full_path()})}")
        return self.get_response(request)


def should_probe(request):
    """Only a browser's top-level page navigation, once per ``SSO_SILENT_RETRY_SECONDS``."""
    return (
        request.method == "GET"
        and PROBE_COOKIE not in request.COOKIES
        and request.headers.get("Sec-Fetch-Mode") == "navigate"
        and request.headers.get("Sec-Fetch-Dest") == "document"
        and not request.path.startswith(NO_PROBE_PREFIXES)
    )
