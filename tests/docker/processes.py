"""Run our code the way a container does: in a fresh process, from the project root, with only the
environment we give it (never CI's DATABASE_URL, so nothing here can touch a shared database)."""

import http.client
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DOCKER = PROJECT / "docker"

# Variables of the surrounding shell that would point a process at real services or another mode.
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SECRET_KEY", "DEBUG")


def project_env(var_dir, **overrides):
    """Return an environment for a development-mode process whose state (SQLite, secrets) is in ``var_dir``."""
    env = {name: value for name, value in os.environ.items() if name not in SERVICE_VARIABLES}
    # The virtualenv's python, gunicorn and celery come first, as /opt/venv/bin does in the image.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(DEBUG="true", ROSEASH_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
    env.update(overrides)
    return env


def run(args, env, timeout=120):
    """Run ``args`` from the project root; return the completed process with its text output."""
    return subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def migrate(env):
    """Apply the migrations as the stack's one-shot ``migrate`` job does before web starts: pages read rows."""
    migrated = run(["python", "manage.py", "migrate", "--no-input"], env)
    assert migrated.returncode == 0, migrated.stderr


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env, log, port):
    """Run gunicorn as the web service does (docker/gunicorn.conf.py, ``env``) until the block ends."""
    with log.open("w") as out:
        process = subprocess.Popen(
            ["gunicorn", "--config", "docker/gunicorn.conf.py", "roseash.wsgi"],
            cwd=PROJECT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_answering(port, process, log)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_answering(port, process, log, seconds=30):
    """Wait until something answers HTTP on ``port``; fail with the server's output if it exits or never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
        except OSError:
            time.sleep(0.2)
        else:
            return
        finally:
            conn.close()
    pytest.fail(f"gunicorn did not answer within {seconds}s:\n{log.read_text()}")
