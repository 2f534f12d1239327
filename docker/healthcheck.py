"""
Container health check: exit 0 when the local gunicorn answers ``/healthz`` with 200.

The request is plain HTTP to the container itself, so it must name one of our hosts (any other Host
gets 400) and relies on ``/healthz`` being exempt from the HTTPS redirect. The slim image has no
curl, hence Python.
"""

import os
import sys
import urllib.request

port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[1]
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/healthz",
    headers={"Host": os.environ.get("ROSEASH_DOMAIN", "localhost")},
)
try:
    with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 - a fixed http:// URL
        status = response.status
except OSError as exc:  # refused, timed out, or an HTTP error status
    sys.exit(f"healthz: {exc}")
sys.exit(0 if status == 200 else f"healthz: answered {status}")
