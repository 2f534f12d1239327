import pytest

from apps.account import services

from .browser import Browser


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Client secrets and passwords are hashed on every exchange; a fast hasher keeps tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sso_live(live_server, settings):
    """The live server as all six sites: our hosts on its port, server-to-server calls routed to it."""
    port = live_server.url.rsplit(":", 1)[1]
    settings.ROSEASH_PORT = port
    settings.ROSEASH_INTERNAL_URL = live_server.url
    settings.SSO_ISSUER = f"http://federation.localhost:{port}/o"
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": settings.SSO_ISSUER}
    services.sync_sso_clients()
    return live_server


@pytest.fixture
def browser(sso_live):
    with Browser(sso_live.url) as session:
        yield session


@pytest.fixture
def origin(sso_live):
    """``origin("blog")``: the site's public origin on the live server's port."""
    from apps.core.sites import get_site

    return lambda site: get_site(site).origin
