"""
Benchmark the federation endpoints against a minimal Django view, served the same way in one run.

    .venv/bin/python bench/run.py [--duration 10] [--connections 32] [--workers 2]

Serves this project with gunicorn on loopback in a production-like environment (DEBUG off, a secret
key, static files collected; plain HTTP on loopback), loads each URL with wrk sending the site's Host
header and the format's Accept header, and prints requests/s with the ratio to ``/healthz`` (a
JsonResponse through the same middleware). Then times a warm ``lookup_or_fetch`` in this process.
DATABASE_URL / REDIS_URL are used when set (otherwise SQLite and local memory in a temporary dir).
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

CASES = [
    # (label, host, path, accept)
    ("baseline: /healthz (JsonResponse)", "blog", "/healthz", "application/json"),
    ("site actor, application/activity+json", "blog", "/actors/blog", "application/activity+json"),
    ("site actor, ld+json AS profile", "blog", "/actors/blog", AS_LD),
    ("site actor, vnd.fed-sx.actor-doc", "blog", "/actors/blog", "application/vnd.fed-sx.actor-doc"),
    ("site actor, text/html", "blog", "/actors/blog", "text/html"),
    ("member actor, application/activity+json", "federation", "/actors/benchuser", "application/activity+json"),
    ("WebFinger acct:blog@blog.localhost", "blog", "/.well-known/webfinger?resource=acct:blog@blog.localhost", None),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(var_dir, port):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ROSEASH_SCHEME": "http",  # loopback only; production sets https
        "ROSEASH_SSL_REDIRECT": "false",
        "ROSEASH_PORT": str(port),
        "ROSEASH_INTERNAL_URL": f"http://127.0.0.1:{port}",
        "ROSEASH_VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir / "static"),
        "LOG_LEVEL": "WARNING",
        # Production mode needs the ID-token key of single sign-on to pass its start-up checks.
        "OIDC_RSA_PRIVATE_KEY": os.environ.get("OIDC_RSA_PRIVATE_KEY") or rsa_private_pem(),
    }
    return env


def rsa_private_pem():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def prepare(env):
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    manage(env, "federation_keys", "show")
    create_member = (
        "from django.contrib.auth import get_user_model as m;"
        "m().objects.filter(username='benchuser').exists() or "
        "m().objects.create_user('benchuser', 'benchuser@example.org', secrets.token_urlsafe())"
    )
    manage(env, "shell", "-c", f"import secrets; {create_member}")


def wait_until_up(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "blog.localhost"})
            with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310 (loopback, our own server)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not come up")


def wrk(port, host, path, accept, duration, connections):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-H", f"Host: {host}.localhost"]
    if accept:
        command += ["-H", f"Accept: {accept}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    # Requests that got no answer at all (refused, reset, timed out) are errors too, not a slow rate.
    failed = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return rate, (int(errors.group(1)) if errors else 0) + (sum(map(int, failed.groups())) if failed else 0)


@contextmanager
def gunicorn(env, port, workers):
    """Serve the project with ``workers`` sync gunicorn workers on ``port`` until the block ends."""
    command = [sys.executable, "-m", "gunicorn", "roseash.wsgi", "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (our own command line)
    try:
        wait_until_up(port)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def median_rates(port, cases, options):
    """
    Load each case ``(label, host, path, accept)`` with wrk for ``options.rounds`` rounds, the rounds
    interleaving the cases so that load from elsewhere on the machine hits them all alike; return
    ``{label: median requests/s}``. Every answer must be 2xx or 3xx.
    """
    rates = {label: [] for label, *_ in cases}
    for _round in range(options.rounds):
        for label, host, path, accept in cases:
            rate, errors = wrk(port, host, path, accept, options.duration, options.connections)
            assert errors == 0, (label, errors)
            rates[label].append(rate)
    return {label: statistics.median(values) for label, values in rates.items()}


def check_answer(port, host, path, accept):
    headers = {"Host": f"{host}.localhost", **({"Accept": accept} if accept else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (loopback, our own server)
        return answer.status, answer.headers["Content-Type"]


def time_warm_lookup(env, port, calls=20_000):
    """Time ``lookup_or_fetch`` of our own blog actor after one cold fetch, in this process."""
    os.environ.update({**env, "ROSEASH_FEDERATION_ALLOW_PRIVATE": "true"})
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roseash.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.federation.services import ActorState, lookup_or_fetch

    target = f"http://blog.localhost:{port}/actors/blog"
    cold = lookup_or_fetch(target, refresh=True)
    assert isinstance(cold, ActorState), cold
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for _ in range(calls):
            lookup_or_fetch(target)
        elapsed = time.perf_counter() - started
    assert len(queries) == 0, queries.captured_queries
    return elapsed / calls * 1e6, settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=3, help="passes over all cases; the median is reported")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")

    var_dir = Path(tempfile.mkdtemp(prefix="roseash-bench-"))
    port = free_port()
    env = environment(var_dir, port)
    prepare(env)
    try:
        with gunicorn(env, port, options.workers):
            database = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
            cache = "Redis" if env.get("REDIS_URL") else "local memory"
            print(f"gunicorn {options.workers} sync workers, wrk -t2 -c{options.connections} -d{options.duration}s")
            print(f"database {database}, cache {cache}")
            print()
            for _label, host, path, accept in CASES:
                status, _content_type = check_answer(port, host, path, accept)
                assert status == 200, (path, status)
            rates = median_rates(port, CASES, options)
            print(f"{'case':<44} {'req/s':>9} {'ratio':>6}  content-type  (median of {options.rounds} rounds)")
            baseline = rates[CASES[0][0]]
            for label, host, path, accept in CASES:
                content_type = check_answer(port, host, path, accept)[1]
                print(f"{label:<44} {rates[label]:>9.0f} {rates[label] / baseline:>6.2f}  {content_type}", flush=True)
            micros, backend = time_warm_lookup(env, port)
            print()
            print(f"warm lookup_or_fetch: {micros:.1f} µs per call ({backend}, no SQL query, no request)")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
