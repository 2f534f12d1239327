"""
The import contracts in setup.cfg must be able to fail: a violation planted in a copy of the tree
breaks the contract that forbids it, and the untouched copy keeps every contract.
"""

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture
def tree(tmp_path):
    """A copy of ``apps/`` and ``setup.cfg`` that a test may break."""
    shutil.copytree(ROOT / "apps", tmp_path / "apps", ignore=shutil.ignore_patterns("__pycache__", "templates"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    return tmp_path


def lint(tree):
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", "setup.cfg", "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def plant(tree, module, line):
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_untouched_tree_keeps_every_contract(tree):
    result = lint(tree)
    assert result.returncode == 0, result.stdout


def test_a_view_of_one_app_importing_another_apps_models_breaks_the_boundary(tree):
    plant(tree, "apps/blog/urls.py", "from apps.federation.models import Note  # noqa")

    result = lint(tree)

    assert result.returncode == 1
    assert "Domain apps reach each other only through services.py" in result.stdout
    assert "apps.blog.urls -> apps.federation.models" in result.stdout


def test_one_apps_models_may_point_at_anothers_models(tree):
    plant(tree, "apps/account/models.py", "from apps.federation.models import Note  # noqa")

    assert lint(tree).returncode == 0


def test_a_lower_federation_layer_importing_a_higher_one_breaks_the_layers(tree):
    plant(tree, "apps/federation/peers/directory.py", "from apps.federation import hub  # noqa")

    result = lint(tree)

    assert result.returncode == 1
    assert "Federation's modules depend downwards" in result.stdout
    assert "apps.federation.peers.directory -> apps.federation.hub" in result.stdout


def test_outbound_calling_back_into_inbound_breaks_the_layers(tree):
    plant(tree, "apps/federation/outbound/outbox.py", "from apps.federation.inbound import inbox  # noqa")

    result = lint(tree)

    assert result.returncode == 1
    assert "apps.federation.outbound.outbox -> apps.federation.inbound.inbox" in result.stdout


def test_every_federation_module_has_a_place_in_its_layers():
    """A module the layers contract does not list is not checked at all: each new one needs a line."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    layers = parser["importlinter:contract:federation-layers"]["layers"]
    listed = {name.strip() for line in layers.splitlines() for name in line.split("|") if name.strip()}
    package = ROOT / "apps" / "federation"
    present = {path.stem for path in package.glob("*.py") if path.stem != "__init__"}
    present |= {path.name for path in package.iterdir() if (path / "__init__.py").exists()}

    assert present - {"migrations"} <= listed, f"not in the layers contract: {sorted(present - listed)}"
