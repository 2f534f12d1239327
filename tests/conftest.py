import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client, override_settings

from apps.core.sites import get_site
from roseash.celery import app


def pytest_runtest_setup(item):
    """Skip a test marked ``postgresql(reason=...)`` on SQLite, saying why (CI runs it on PostgreSQL)."""
    marker = item.get_closest_marker("postgresql")
    if marker is not None and connection.vendor != "postgresql":
        pytest.skip(f"PostgreSQL only: {marker.kwargs.get('reason', 'needs its semantics')} (CI runs it)")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """
    Hash the tests' passwords with a fast hasher: PBKDF2's deliberate cost was most of the suite's
    setup time. Servers the tests start in subprocesses keep the real hashers.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_temporary_folder(tmp_path_factory):
    """Uploaded files (site actors' pictures, also from seed_demo) go to the session's own folder, never var/media."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty caches: Redis in CI outlives a test, and so does this process's own."""
    cache.clear()
    caches["process"].clear()
    yield
    cache.clear()
    caches["process"].clear()


@pytest.fixture
def eager_tasks(monkeypatch):
    """Run queued tasks in this process even when a real broker is configured (as in CI)."""
    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def site_client():
    """
    Return ``site_client("blog")``: a test client whose requests are addressed to that site's host;
    ``site_client("blog", signed_in=member)`` has the member signed in.
    """

    def make(site, *, signed_in=None, **kwargs):
        client = Client(HTTP_HOST=get_site(site).host, **kwargs)
        if signed_in is not None:
            client.force_login(signed_in)
        return client

    return make


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.org", "a-long-pass-phrase")


@pytest.fixture
def steward(django_user_model):
    return django_user_model.objects.create_superuser("steward", "steward@example.org", "a-long-pass-phrase")
