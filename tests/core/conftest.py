import pytest


@pytest.fixture
def private_allowed(settings):
    """Outbound requests may reach loopback: the local test servers."""
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True


@pytest.fixture
def private_refused(settings):
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = False
