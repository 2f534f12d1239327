"""
Profile the inbox in one process: ``--requests`` signed inbox POSTs through the WSGI handler (the
whole middleware stack, as gunicorn calls it), timed, then the same again under cProfile.

    .venv/bin/python bench/profile_inbox.py [--requests 2000] [--top 30]

DATABASE_URL / REDIS_URL are used when set (a database of its own: it is migrated and filled).
Tasks go to an in-memory broker, as in ``bench/inbox.py``: what is measured is the accepting side.
"""

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inbox import actor_doc, django_setup, signed_requests, start_stubs
from run import environment, free_port, manage


def environ_for(signature, date, digest, body):
    """Return the WSGI environ gunicorn would build for one signed POST to the shared inbox."""
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/inbox",
        "QUERY_STRING": "",
        "SERVER_NAME": "federation.localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "federation.localhost",
        "HTTP_DATE": date,
        "HTTP_DIGEST": digest,
        "HTTP_SIGNATURE": signature,
        "CONTENT_TYPE": "application/activity+json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
    }


def healthz_environ():
    return {
        **environ_for("", "", "", b""),
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "CONTENT_LENGTH": "",
        "CONTENT_TYPE": "",
    }


def per_request(label, count, call):
    """Call ``call`` and print its wall-clock and CPU time per request."""
    started, cpu = time.perf_counter(), time.process_time()
    statuses = call()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    each = 1e6 / count
    print(f"{label}: {elapsed * each:.0f} µs each, of which {cpu * each:.0f} µs of this process's CPU")
    return statuses


def load(requests_file):
    lines = requests_file.read_text().splitlines()
    return [(s, d, g, b.encode()) for s, d, g, b in zip(*[iter(lines)] * 4, strict=True)]


def run_environ(app, environ):
    """Call the WSGI application as a server would; return the status line."""
    statuses = []
    response = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(response)
    response.close()
    return statuses[0]


def run(app, requests):
    """POST each request through the WSGI application; return the status lines."""
    return [run_environ(app, environ_for(*request)) for request in requests]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=30)
    options = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="roseash-profile-inbox-"))
    stubs = None
    try:
        env = environment(var_dir, free_port())
        env.pop("ROSEASH_INTERNAL_URL")
        env.update({"ROSEASH_FEDERATION_ALLOW_PRIVATE": "true", "CELERY_BROKER_URL": "memory://"})
        env["CELERY_RESULT_BACKEND"] = "cache+memory://"
        manage(env, "migrate", "--no-input")
        django_setup(env)
        stub_port = free_port()
        actor_url = f"http://127.0.0.1:{stub_port}/users/profile{int(time.time())}"
        requests_file = var_dir / "requests.txt"
        from apps.federation.signing import keys

        private_pem, public_pem = keys.generate_keypair()
        signed_requests(requests_file, actor_url, 2 * options.requests + 1, private_pem)
        stubs = start_stubs([stub_port], {"/users/" + actor_url.rsplit("/", 1)[1]: actor_doc(actor_url, public_pem)})
        from django.core.wsgi import get_wsgi_application

        app = get_wsgi_application()
        requests = load(requests_file)
        assert run(app, requests[:1]) == ["202 Accepted"]  # the cold fetch of the actor, not measured
        timed, profiled = requests[1 : options.requests + 1], requests[options.requests + 1 :]
        probes = [healthz_environ] * options.requests
        statuses = per_request("GET /healthz", options.requests, lambda: [run_environ(app, e()) for e in probes])
        assert set(statuses) == {"200 OK"}, set(statuses)
        statuses = per_request("signed inbox POST", options.requests, lambda: run(app, timed))
        assert set(statuses) == {"202 Accepted"}, set(statuses)
        profiler = cProfile.Profile()
        profiler.runcall(run, app, profiled)
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(options.top)
        stats.sort_stats("tottime").print_stats(options.top)
    finally:
        if stubs is not None:
            stubs.stdin.close()
            stubs.wait(timeout=10)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
