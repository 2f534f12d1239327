"""wait_for_db: the entrypoint's first step, run for real against SQLite files that do or do not exist yet."""

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from tests.docker.processes import PROJECT, free_port, project_env, run

WAIT = [sys.executable, "manage.py", "wait_for_db"]


@pytest.mark.django_db
def test_an_available_database_is_ready_at_the_first_attempt():
    out = StringIO()

    call_command("wait_for_db", "--timeout=5", stdout=out)

    assert "is ready (1 attempt)" in out.getvalue()


def test_waits_until_the_database_can_be_opened(tmp_path):
    # SQLite cannot open a file in a directory that does not exist: the database is "down" until we make it.
    database_dir = tmp_path / "not-yet"
    env = project_env(tmp_path, DATABASE_URL=f"sqlite:///{database_dir / 'db.sqlite3'}")
    process = subprocess.Popen(
        [*WAIT, "--timeout=60", "--interval=0.1"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_complaint = process.stderr.readline()
        database_dir.mkdir()
        stdout, _ = process.communicate(timeout=60)
    finally:
        process.kill()

    assert "Waiting for the sqlite database at" in first_complaint
    assert str(database_dir) in first_complaint
    assert process.returncode == 0
    assert "is ready (" in stdout
    assert "(1 attempt)" not in stdout


def test_gives_up_after_the_timeout_naming_the_database_and_the_fix(tmp_path):
    missing = tmp_path / "never" / "db.sqlite3"
    env = project_env(tmp_path, DATABASE_URL=f"sqlite:///{missing}")

    result = run([*WAIT, "--timeout=1", "--interval=0.2"], env)

    assert result.returncode == 1
    assert f"The sqlite database at {missing} did not accept connections within 1s" in result.stderr
    assert "Check DATABASE_URL" in result.stderr
    assert "is ready" not in result.stdout


def test_names_a_postgresql_server_that_refuses_without_showing_its_password(tmp_path):
    port = free_port()  # nothing listens there
    env = project_env(tmp_path, DATABASE_URL=f"postgresql://roseash:pass-word-1@127.0.0.1:{port}/roseash")

    result = run([*WAIT, "--timeout=0.5", "--interval=0.1"], env)

    assert result.returncode == 1
    assert f"The postgresql database at 127.0.0.1:{port}/roseash did not accept connections" in result.stderr
    assert "pass-word-1" not in result.stderr + result.stdout
