"""Readiness checks of the services a request may need: database, cache and task broker."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from kombu import Connection

__all__ = ["Check", "readiness"]


@dataclass(frozen=True)
class Check:
    name: str
    backend: str
    ok: bool
    error: str = ""

    def as_dict(self):
        answer = {"ok": self.ok, "backend": self.backend}
        if self.error:
            answer["error"] = self.error
        return answer

    @property
    def label(self):
        return f"{self.name} ({self.backend})"


def _run(name, backend, probe):
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported by name
        return Check(name, backend, False, f"{type(exc).__name__}: {exc}")
    return Check(name, backend, True)


def check_database():
    def probe():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    return _run("database", connection.vendor, probe)


def check_cache():
    cache = caches["default"]
    backend = type(cache).__name__.removesuffix("Cache").lower()

    def probe():
        key = f"readyz:{uuid.uuid4().hex}"
        cache.set(key, "1", 5)
        if cache.get(key) != "1":
            raise RuntimeError("a value written could not be read back")
        cache.delete(key)

    return _run("cache", backend, probe)


def check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Check("broker", "in-process", True)
    timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    broker = Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout)

    def probe():
        with broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)

    return _run("broker", broker.transport_cls, probe)


def readiness():
    """Return every check; the service is ready when all are ok."""
    return [check_database(), check_cache(), check_broker()]
