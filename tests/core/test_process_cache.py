"""The process cache keeps objects as they are, with Django's expiry, size bound and clear."""

import time

import pytest
from django.core.cache import caches

from apps.core.caching.process import ObjectCache
from apps.core.caching.shared import KeptClientRedisCache


@pytest.fixture
def kept():
    cache = ObjectCache("tests-process-cache", {"TIMEOUT": 60, "OPTIONS": {"MAX_ENTRIES": 3, "CULL_FREQUENCY": 3}})
    yield cache
    cache.clear()


def test_the_object_itself_comes_back_not_a_copy(kept):
    value = ("a", "tuple")
    kept.set("key", value)

    assert kept.get("key") is value


def test_an_expired_value_is_gone(kept):
    kept.set("key", "value", timeout=0.05)
    time.sleep(0.1)

    assert kept.get("key", "missing") == "missing"
    assert kept.add("key", "again") is True
    assert kept.add("key", "not twice") is False


def test_the_size_is_bounded(kept):
    for n in range(10):
        kept.set(f"key-{n}", n)

    assert len(kept._cache) <= 3
    assert kept.get("key-9") == 9  # the newest stays


def test_incr_and_clear(kept):
    kept.set("count", 1)

    assert kept.incr("count", 2) == 3
    kept.clear()
    with pytest.raises(ValueError, match="not found"):
        kept.incr("count")


def test_the_process_alias_is_this_backend():
    assert isinstance(caches["process"], ObjectCache)


def test_the_redis_backend_keeps_one_client_per_pool(settings):
    """Only with Redis configured (CI): the same client object serves every call on one pool."""
    cache = caches["default"]
    if not isinstance(cache, KeptClientRedisCache):
        pytest.skip("REDIS_URL is not set: the local-memory cache is in use (CI sets it)")
    first = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is first
    cache.set("kept", {"a": 1})
    assert cache.get("kept") == {"a": 1}
