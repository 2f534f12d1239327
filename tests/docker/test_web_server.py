"""
The web container's process for real: static files collected by the Dockerfile's own command, then
gunicorn with docker/gunicorn.conf.py in production mode (DEBUG off, https scheme), probed by
docker/healthcheck.py. SQLite stands in for PostgreSQL: nothing here reads the database.
"""

import http.client
import sys
import time

import pytest

from tests.docker.files import dockerfile_instructions
from tests.docker.processes import DOCKER, free_port, gunicorn, migrate, project_env, run

DOMAIN = "coop.example.org"
HEALTHCHECK = [sys.executable, str(DOCKER / "healthcheck.py")]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """Start gunicorn as the web service does, on a migrated database; return its port and its stdout's file."""
    var = tmp_path_factory.mktemp("web")
    port = free_port()
    env = project_env(
        var,
        DEBUG="false",
        SECRET_KEY="a-test-key-that-is-long-enough-and-random-enough-0123456789",
        ROSEASH_DOMAIN=DOMAIN,
        STATIC_ROOT=str(var / "static"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
    )
    collect_static(project_env(var, STATIC_ROOT=env["STATIC_ROOT"]))
    migrate(project_env(var))  # every page's header reads the menu; as collectstatic, in development mode
    log = var / "stdout.log"
    with gunicorn(env, log, port):
        yield port, log


def collect_static(env):
    """Run the Dockerfile's collectstatic step as written: its throwaway key must be all it needs."""
    (step,) = [args for op, args in dockerfile_instructions() if op == "RUN" and "collectstatic" in args]
    assert "SECRET_KEY" not in env
    result = run(["bash", "-c", step], env)
    assert result.returncode == 0, result.stderr


def get(port, path, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": DOMAIN, **headers})
        response = conn.getresponse()
        response.read()
        return response
    finally:
        conn.close()


def healthcheck(port, domain):
    return run(HEALTHCHECK, project_env(".", GUNICORN_BIND=f"0.0.0.0:{port}", ROSEASH_DOMAIN=domain), timeout=30)


def test_the_health_check_passes_when_addressed_to_our_domain(web):
    port, _ = web

    result = healthcheck(port, DOMAIN)

    assert result.returncode == 0, result.stderr


def test_the_health_check_fails_when_addressed_to_another_host(web):
    port, _ = web

    result = healthcheck(port, "elsewhere.example.net")

    assert result.returncode == 1
    assert "400" in result.stderr


def test_the_health_check_fails_when_nothing_answers():
    result = healthcheck(free_port(), DOMAIN)

    assert result.returncode == 1
    assert "refused" in result.stderr.lower()


def test_plain_http_is_redirected_to_https_except_the_health_probes(web):
    port, _ = web

    redirected = get(port, "/")
    assert redirected.status == 301
    assert redirected.getheader("Location") == f"https://{DOMAIN}/"

    assert get(port, "/healthz").status == 200


def test_the_proxys_x_forwarded_proto_is_trusted(web):
    port, _ = web

    response = get(port, "/", **{"X-Forwarded-Proto": "https"})

    assert response.status == 200
    assert response.getheader("Strict-Transport-Security").startswith("max-age=31536000")


def test_requests_are_logged_to_stdout_with_the_visitors_address(web):
    port, log = web

    get(port, "/healthz?from-the-log-test", **{"X-Forwarded-For": "203.0.113.7"})

    deadline = time.monotonic() + 10
    while "from-the-log-test" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = next(line for line in log.read_text().splitlines() if "from-the-log-test" in line)
    assert line.startswith('203.0.113.7 "GET /healthz?from-the-log-test HTTP/1.1" 200 ')
    assert f"host={DOMAIN}" in line
