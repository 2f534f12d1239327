"""
The .env `make run` writes: every command in the checkout reads it, the environment wins over it,
and it never makes production lenient.
"""

PRINT_URLS = (
    "from django.conf import settings; from apps.core.sites import get_site; "
    "print(get_site('blog').origin, settings.ROSEASH_INTERNAL_URL)"
)
NO_SECRET_KEY = "Rose Ash is not configured: SECRET_KEY is not set."


def test_manage_py_runs_with_no_environment_on_the_port_make_run_chose(checkout):
    assert checkout.make(".env", "PORT=8123").returncode == 0

    check = checkout.manage("check")
    urls = checkout.manage("shell", "-c", PRINT_URLS)

    assert check.returncode == 0, check.stderr
    assert "System check identified no issues" in check.stdout
    assert urls.returncode == 0, urls.stderr
    assert urls.stdout.splitlines()[-1] == "http://blog.localhost:8123 http://127.0.0.1:8123"


def test_the_environment_wins_over_the_file(checkout):
    checkout.make(".env", "PORT=8123")

    urls = checkout.manage("shell", "-c", PRINT_URLS, env={"ROSEASH_PORT": "9001"})

    assert urls.returncode == 0, urls.stderr
    assert urls.stdout.splitlines()[-1] == "http://blog.localhost:9001 http://127.0.0.1:8123"


def test_debug_off_without_a_secret_key_is_refused_with_or_without_the_file(checkout):
    without_file = checkout.manage("check")
    checkout.make(".env")
    debug_off = checkout.manage("check", env={"DEBUG": "false"})

    for result in (without_file, debug_off):
        assert result.returncode == 2
        assert result.stderr.startswith(NO_SECRET_KEY)
        assert "Traceback" not in result.stderr


def test_make_never_rewrites_an_existing_file(checkout):
    env_file = checkout.path / ".env"
    env_file.write_text("DEBUG=true\nROSEASH_PORT=9100\n")

    assert checkout.make(".env", "PORT=8123").returncode == 0

    assert env_file.read_text() == "DEBUG=true\nROSEASH_PORT=9100\n"


def test_make_run_refuses_a_port_the_file_contradicts(checkout):
    checkout.make(".env", "PORT=8123")

    # -o: take the virtualenv as installed; the refusal comes before any migration or server.
    result = checkout.make("-o", ".venv/.installed", "run", "PORT=9000")

    assert result.returncode != 0
    assert "make run: PORT=9000, but ROSEASH_PORT is 8123" in result.stderr
    assert not (checkout.path / "var" / "roseash.sqlite3").exists()  # nothing migrated
