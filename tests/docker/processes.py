"""Run our code the way a container does: in a fresh process, from the project root, with only the
environment we give it (never CI's DATABASE_URL, so nothing here can touch a shared database)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
