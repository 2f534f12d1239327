"""
Benchmark inbound processing: how fast one and then two ``inbox`` workers work through a backlog.

    DATABASE_URL=postgresql://... REDIS_URL=redis://... CELERY_BROKER_URL=redis://... \\
        .venv/bin/python bench/process_inbox.py [--actors 50] [--pairs 20] [--workers 1 2]

A backlog of ``actors * pairs * 2`` inbound rows is written straight to the database: each
actor Follows the blog actor and Undoes it, ``pairs`` times, the actors interleaved, as if the
inbox had accepted them. Then for each worker count, real Celery workers (``--pool=solo``, one
process each, ``-Q inbox``) are started, as many ``process_pending_inbound`` batches are queued as
there are workers, and the clock runs until no row is pending. Each actor's Undo must have come
after its Follow: no follow is left. A Follow's Accept is written to the outbox as in production;
nothing delivers it (no ``delivery`` worker runs).

Needs PostgreSQL (the workers share the database, and the batches share work by actor through its
advisory locks) and a broker; use a database and Redis databases of their own.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inbox import django_setup
from run import ROOT, environment, free_port, manage


def backlog(actors, pairs):
    """Write the rows; return how many."""
    from apps.federation import actors as local_actors
    from apps.federation.models import APActivity, Follow

    blog = local_actors.site_actor("blog").id
    APActivity.objects.filter(actor_url__contains=".bench-process.test").delete()
    Follow.objects.filter(follower_url__contains=".bench-process.test").delete()
    others = APActivity.objects.inbound().filter(state="pending").count()
    if others:
        sys.exit(f"the database holds {others} other pending inbound rows, which the batches would take too")
    run = uuid.uuid4().hex[:8]
    rows = []
    for pair in range(pairs):
        for number in range(actors):
            actor = f"http://peer{number}.bench-process.test/users/u{number}"
            follow = {"id": f"{actor}/follows/{run}/{pair}", "type": "Follow", "actor": actor, "object": blog}
            undo = {"id": f"{actor}/undos/{run}/{pair}", "type": "Undo", "actor": actor, "object": follow}
            rows += [(actor, follow), (actor, undo)]
    APActivity.objects.bulk_create(
        APActivity(activity_id=payload["id"], direction="in", type=payload["type"], actor_url=actor, payload=payload)
        for actor, payload in rows
    )
    return len(rows)


def start_workers(count, env):
    from celery import current_app

    names = [f"bench-{uuid.uuid4().hex[:8]}@localhost" for _ in range(count)]
    current_app.control.purge()
    command = [sys.executable, "-m", "celery", "-A", "roseash", "worker", "--pool=solo", "-Q", "inbox"]
    command += ["--without-gossip", "--without-mingle", "--loglevel=WARNING"]
    processes = [subprocess.Popen([*command, "-n", name], cwd=ROOT, env=env) for name in names]  # noqa: S603
    deadline = time.monotonic() + 60
    while len(current_app.control.ping(destination=names, timeout=0.5)) < count:
        if time.monotonic() > deadline or any(process.poll() is not None for process in processes):
            stop(processes)
            sys.exit("the Celery workers did not start")
    return processes


def stop(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def measure(count, rows, env):
    """Return the seconds ``count`` workers took to process the backlog of ``rows`` rows."""
    from celery import current_app

    from apps.federation.models import APActivity, Follow

    processes = start_workers(count, env)
    try:
        pending = APActivity.objects.inbound().filter(state="pending", actor_url__contains=".bench-process.test")
        started = time.perf_counter()
        for _ in range(count):
            current_app.send_task("federation.process_pending_inbound")
        while pending.exists():
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        stop(processes)
    done = APActivity.objects.filter(actor_url__contains=".bench-process.test", state="done").count()
    if done != rows:
        rows_of_run = APActivity.objects.filter(actor_url__contains=".bench-process.test")
        states = dict(rows_of_run.values_list("state", "error"))
        sys.exit(f"{done} of {rows} rows done; others: {states}")
    assert not Follow.objects.filter(follower_url__contains=".bench-process.test").exists(), "an Undo came first"
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=20, help="Follow and Undo pairs per actor")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to measure, in turn")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("CELERY_BROKER_URL"):
        sys.exit("set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (a broker the workers share)")
    var_dir = Path(tempfile.mkdtemp(prefix="roseash-bench-process-"))
    try:
        env = environment(var_dir, free_port())
        manage(env, "migrate", "--no-input")
        django_setup(env)
        print(f"{options.actors} actors x {options.pairs} Follow/Undo pairs, Celery workers --pool=solo")
        for count in options.workers:
            rows = backlog(options.actors, options.pairs)
            seconds = measure(count, rows, env)
            print(f"{count} inbox worker(s): {rows} rows in {seconds:.2f} s = {rows / seconds:.0f} activities/s")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
