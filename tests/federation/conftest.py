import pytest

from apps.federation import actors, keys


@pytest.fixture(autouse=True)
def _fresh_process_memory():
    """Published keys and members are kept in process memory; each test's database starts afresh."""
    keys.forget_published_keys()
    actors.forget_members()
    yield
    keys.forget_published_keys()
    actors.forget_members()


@pytest.fixture
def private_allowed(settings):
    """Let the outbound client reach the loopback servers tests run."""
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True


@pytest.fixture
def eager_tasks(monkeypatch):
    """Run queued tasks in this process even when a real broker is configured (as in CI)."""
    from roseash.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
