"""
Whole Rose Ash instances for federation tests: each its own server process (gunicorn, threaded),
its own SQLite database and its own domain on loopback (``ROSEASH_RESOLVE`` maps ``*.<domain>`` to
127.0.0.1). Tasks run eagerly inside each process, so a delivery is made when its transaction commits.
Steps are driven through ``manage.py shell -c`` in the instance's environment and through HTTP.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SECRET_KEY")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Instance:
    def __init__(self, domain, var_dir, resolve):
        self.domain = domain
        self.port = free_port()
        self.var_dir = Path(var_dir)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "roseash.settings",
                "DEBUG": "true",
                "ROSEASH_DOMAIN": domain,
                "ROSEASH_PORT": str(self.port),
                "ROSEASH_SCHEME": "http",
                "ROSEASH_VAR_DIR": str(self.var_dir),
                "ROSEASH_RESOLVE": json.dumps(resolve),
                "ROSEASH_FEDERATION_ALLOW_PRIVATE": "true",
                "LOG_LEVEL": "WARNING",
            }
        )
        self.process = None

    def url(self, site, path=""):
        return f"http://{site}.{self.domain}:{self.port}{path}"

    def manage(self, *args, timeout=120):
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"manage.py {args[0]} on {self.domain} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code):
        """Run ``code`` in a Django shell of this instance; it sets ``result``, returned decoded from JSON."""
        script = f"import json\n{code}\nprint('RESULT:' + json.dumps(result))"
        out = self.manage("shell", "-c", script)
        line = next(line for line in reversed(out.splitlines()) if line.startswith("RESULT:"))
        return json.loads(line[len("RESULT:") :])

    def get(self, site, path, accept="application/activity+json"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Host": f"{site}.{self.domain}:{self.port}", "Accept": accept},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def start(self):
        self.manage("migrate", "--no-input", timeout=300)
        log = (self.var_dir / "server.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "roseash.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "8",
                "--timeout",
                "60",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.domain} exited: {(self.var_dir / 'server.log').read_text()}")
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{self.port}/healthz", headers={"Host": f"blog.{self.domain}:{self.port}"}
                )
                with urllib.request.urlopen(request, timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{self.domain} did not answer within 60 s")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        return (self.var_dir / "server.log").read_text()


@contextmanager
def instances(tmp_path, *domains):
    resolve = {f"*.{domain}": "127.0.0.1" for domain in domains}
    started = []
    try:
        for domain in domains:
            started.append(Instance(domain, tmp_path / domain, resolve).start())
        yield started
    finally:
        for instance in started:
            instance.stop()
