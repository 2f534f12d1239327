"""A copy of the project to run commands in, as someone who just cloned it would."""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

# What a checkout needs to run manage.py and make: no .env, no var/, no tests.
PROJECT_FILES = ("manage.py", "Makefile", "roseash", "apps", "templates", "static")


@dataclass(frozen=True)
class Checkout:
    """A copy of the project in a folder of its own, where commands run as a newcomer runs them."""

    path: Path

    def manage(self, *args, env=None):
        """Run ``manage.py`` here with exactly the environment ``env`` (none by default)."""
        return self._run([sys.executable, "manage.py", *args], env or {})

    def make(self, *args):
        """Run ``make`` here, with the project's virtualenv as .venv and nothing but PATH set."""
        return self._run(["make", *args], {"PATH": os.environ["PATH"]})

    def _run(self, command, env):
        return subprocess.run(command, cwd=self.path, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def checkout(tmp_path):
    root = tmp_path / "checkout"
    root.mkdir()
    for name in PROJECT_FILES:
        source = Path(settings.BASE_DIR) / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    (root / ".venv").symlink_to(Path(sys.prefix))
    return Checkout(root)


@pytest.fixture
def private_allowed(settings):
    """Outbound requests may reach loopback: the local test servers."""
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = True


@pytest.fixture
def private_refused(settings):
    settings.ROSEASH_FEDERATION_ALLOW_PRIVATE = False
