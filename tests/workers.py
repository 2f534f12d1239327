"""A real Celery worker in a subprocess, for the tests that are about tasks."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import pytest
from celery import current_app
from django.conf import settings
from django.db import connection


def database_url():
    """Return a URL of the test database, so the worker reads and writes what the test sees."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def require_real_services():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("needs a real broker: set CELERY_BROKER_URL (CI does)")
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: set DATABASE_URL to PostgreSQL (CI does)")


@contextmanager
def celery_worker(queues=("default",), extra_env=None, startup_timeout=60):
    """Run ``celery worker`` on the test database and the configured broker until the block ends."""
    require_real_services()
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **(extra_env or {}),
    }
    current_app.control.purge()
    command = [sys.executable, "-m", "celery", "-A", "roseash", "worker", "--pool=solo", "-n", name]
    command += ["-Q", ",".join(queues), "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)
    try:
        deadline = time.monotonic() + startup_timeout
        while not current_app.control.ping(destination=[name], timeout=0.5):
            if process.poll() is not None:
                raise RuntimeError(f"The Celery worker exited with {process.returncode} before it was ready")
            if time.monotonic() > deadline:
                raise RuntimeError(f"The Celery worker was not ready after {startup_timeout}s")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
