from apps.account import services


def serve_all_sites(live_server, settings):
    """
    Make pytest-django's live server answer as all six sites, the way ``make run`` does on port 8000.

    The live server runs in this process, so the settings apply to it: our hosts carry its port,
    server-to-server calls (the token exchange) go to its address, and the issuer follows.
    """
    port = live_server.url.rsplit(":", 1)[1]
    settings.ROSEASH_PORT = port
    settings.ROSEASH_INTERNAL_URL = live_server.url
    settings.SSO_ISSUER = f"http://federation.localhost:{port}/o"
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": settings.SSO_ISSUER}
    services.sync_sso_clients()
    return live_server
