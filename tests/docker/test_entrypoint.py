"""docker/entrypoint.sh, run for real on SQLite: it waits for the database and migrates only when asked."""

import os
import sqlite3
import stat
import subprocess

from tests.docker.processes import DOCKER, project_env, run

ENTRYPOINT = DOCKER / "entrypoint.sh"


def applied_migrations(database):
    with sqlite3.connect(database) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone():
            return 0
        return conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]


def test_is_an_executable_bash_script_that_stops_at_the_first_error():
    text = ENTRYPOINT.read_text()

    assert os.stat(ENTRYPOINT).st_mode & stat.S_IXUSR
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert 'exec "$@"' in text  # the command replaces the shell: it gets the signals as PID 1
    assert subprocess.run(["bash", "-n", str(ENTRYPOINT)], capture_output=True, check=False).returncode == 0


def test_migrate_applies_the_migrations_and_exits(tmp_path):
    result = run([str(ENTRYPOINT), "migrate"], project_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "is ready (1 attempt)" in result.stdout
    assert "Applying account.0001_initial... OK" in result.stdout
    assert applied_migrations(tmp_path / "roseash.sqlite3") > 10


def test_any_other_command_runs_without_migrating_from_any_directory(tmp_path):
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()

    result = subprocess.run(
        [str(ENTRYPOINT), "python", "-c", "import sys; print('ran', *sys.argv[1:])", "with", "args"],
        cwd=workdir,
        env=project_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "ran with args"
    assert applied_migrations(tmp_path / "roseash.sqlite3") == 0


def test_a_database_that_never_answers_stops_the_container_before_its_command(tmp_path):
    env = project_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}", DB_WAIT_TIMEOUT="1")

    result = run([str(ENTRYPOINT), "python", "-c", "print('ran')"], env)

    assert result.returncode != 0
    assert "did not accept connections within 1s" in result.stderr
    assert "ran" not in result.stdout
