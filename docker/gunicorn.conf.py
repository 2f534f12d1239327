"""
Gunicorn settings for the web container; the figures can be tuned from the environment.

Threads let a worker keep answering while one request waits on the database or another site. 16
per process: inbox POSTs wait on their commit, and the more of them a process holds the more share
one INSERT and one commit (apps/federation/intake.py); bench/README.md has the figures. Each thread
that serves keeps a database connection, so PostgreSQL needs ``workers`` x ``threads`` plus the
Celery workers' (48 + a few with the defaults, under its default ``max_connections`` of 100);
``max_requests`` recycles workers now and then so a slow leak cannot grow without bound.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# The heartbeat file lives in memory, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a heartbeat file, not data: tmpfs is the point

accesslog = "-"
errorlog = "-"
# The client is the reverse proxy: the visitor's address comes from X-Forwarded-For.
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms host=%({host}i)s "%(a)s"'
