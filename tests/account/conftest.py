import pytest

from .browser import Browser
from .live import serve_all_sites


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Client secrets and passwords are hashed on every exchange; a fast hasher keeps tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sso_live(live_server, settings):
    """The live server as all six sites: our hosts on its port, server-to-server calls routed to it."""
    return serve_all_sites(live_server, settings)


@pytest.fixture
def browser(sso_live):
    with Browser(sso_live.url) as session:
        yield session


@pytest.fixture
def origin(sso_live):
    """``origin("blog")``: the site's public origin on the live server's port."""
    from apps.core.sites import get_site

    return lambda site: get_site(site).origin
