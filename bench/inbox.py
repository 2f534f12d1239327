"""
Benchmark federation's traffic: signed inbox POSTs accepted per second against ``/healthz`` in the
same run, and deliveries per second fanning one activity out to 1,000 followers over 50 peer hosts.

    .venv/bin/python bench/inbox.py [--duration 10] [--rounds 3] [--connections 32] [--workers 2] [--cores split]

Inbox: gunicorn serves the project as ``bench/run.py`` does (DEBUG off, loopback); a stub actor
server holds the signer's actor document; ``--requests`` distinct Like activities are signed
beforehand and wrk POSTs them to the shared inbox in turn (a Lua script), each answer must be 202,
each a new activity (a replay is answered without a write: the rounds never send one twice).
Tasks go to the broker named by CELERY_BROKER_URL, or to an in-memory one: the figure is what the
inbox accepts, not what the ``inbox`` workers process. The web processes and wrk run on CPUs of
their own (``Placement``), unless ``--cores shared``.

Delivery: 50 stub peer servers (another process, each its own host ``peerN.bench.test`` mapped to
loopback by ROSEASH_RESOLVE) answer 202; 1,000 remote followers of the blog actor are spread over
them; one Create is expanded and every delivery made by ``--senders`` threads calling the delivery
task's function (signing and POSTing through apps/core/outbound/http_client.py). Measured twice: peers with a shared
inbox (50 POSTs) and without (1,000 POSTs).

DATABASE_URL / REDIS_URL are used when set (a database of its own: it is migrated and filled).
"""

import argparse
import functools
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, environment, free_port, manage, wait_until_up

PEER_HOSTS = 50
FOLLOWERS = 1000
LUA = textwrap.dedent(
    """
    local requests = {}
    local file = io.open(os.getenv("BENCH_REQUESTS"), "r")
    while true do
      local signature = file:read("*l")
      if not signature then break end
      local date, digest, body = file:read("*l"), file:read("*l"), file:read("*l")
      requests[#requests + 1] = {signature = signature, date = date, digest = digest, body = body}
    end
    file:close()
    -- Each round has a file of its own: every POST is a new activity, never a replay (which the
    -- inbox answers without writing anything).
    local counter, step, wrapped = 0, 2, false
    function setup(thread) thread:set("offset", tostring(setup_count or 0)); setup_count = (setup_count or 0) + 1 end
    function init(args) counter = tonumber(offset) end
    function request()
      if counter >= #requests and not wrapped then io.stderr:write("wrapped\\n"); wrapped = true end
      local r = requests[(counter % #requests) + 1]
      counter = counter + step
      return wrk.format("POST", "/inbox", {
        ["Host"] = "federation.localhost", ["Content-Type"] = "application/activity+json",
        ["Date"] = r.date, ["Digest"] = r.digest, ["Signature"] = r.signature}, r.body)
    end
    function response(status, headers, body)
      if status ~= 202 then io.stderr:write("status " .. status .. "\\n") end
    end
    """
)

STUB_SERVERS = textwrap.dedent(
    """
    import json, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    DOCS = json.loads(sys.argv[1])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # connections kept alive, as Mastodon and Takahe behind nginx keep them

        def do_GET(self):
            doc = DOCS.get(self.path)
            body = json.dumps(doc).encode() if doc else b"{}"
            self.send_response(200 if doc else 404)
            self.send_header("Content-Type", "application/activity+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    servers = [ThreadingHTTPServer(("127.0.0.1", int(port)), Handler) for port in sys.argv[2:]]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()
    """
)


class Placement:
    """
    The CPUs the web processes and wrk run on (None: wherever the kernel puts them).

    Split by default: the web processes on one half of the CPUs, wrk on the other, so that the load
    generator, which in production is the rest of the fediverse, does not take the CPU the server
    is measured on. PostgreSQL and Redis are left where the kernel puts them.
    """

    web = None
    load = None

    @classmethod
    def split(cls):
        cpus = sorted(os.sched_getaffinity(0))
        cls.web, cls.load = set(cpus[: len(cpus) // 2]), set(cpus[len(cpus) // 2 :])

    @classmethod
    def describe(cls):
        if cls.web is None:
            return "web, wrk, PostgreSQL and Redis share every CPU"
        return f"web on CPU {sorted(cls.web)}, wrk on CPU {sorted(cls.load)}, PostgreSQL and Redis anywhere"


def on_cpus(cpus):
    """Return a ``preexec_fn`` keeping a child process, and what it forks, on ``cpus`` (None: anywhere)."""
    return None if cpus is None else functools.partial(os.sched_setaffinity, 0, cpus)


def django_setup(env):
    os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "roseash.settings"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def start_stubs(ports, docs):
    process = subprocess.Popen(  # noqa: S603 (our own script)
        [sys.executable, "-c", STUB_SERVERS, json.dumps(docs), *map(str, ports)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.stdout.readline().strip() != "ready":
        process.wait(timeout=10)
        raise OSError(f"the stub servers did not start on ports {ports} (one was taken meanwhile?)")
    return process


def signed_requests(path, actor_url, count, private_pem, first=0):
    """Write ``count`` distinct signed Like activities for the shared inbox to ``path`` (4 lines each)."""
    from apps.federation.signing import signatures

    with path.open("w") as out:
        for number in range(first, first + count):
            body = json.dumps(
                {"id": f"{actor_url}/likes/{number}", "type": "Like", "actor": actor_url, "object": "http://x.test/1"},
                separators=(",", ":"),
            ).encode()
            headers = signatures.sign(
                "POST",
                "http://federation.localhost/inbox",
                key_id=f"{actor_url}#main-key",
                private_key_pem=private_pem,
                body=body,
                headers={"Content-Type": "application/activity+json"},
            )
            out.write(f"{headers['Signature']}\n{headers['Date']}\n{headers['Digest']}\n{body.decode()}\n")


def actor_doc(actor_url, public_pem, shared_inbox=None):
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor_url,
        "type": "Person",
        "preferredUsername": actor_url.rsplit("/", 1)[1],
        "inbox": actor_url + "/inbox",
        "endpoints": {"sharedInbox": shared_inbox} if shared_inbox else {},
        "publicKey": {"id": f"{actor_url}#main-key", "owner": actor_url, "publicKeyPem": public_pem},
    }


def wrk_post(port, script, requests_file, duration, connections):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", str(script), f"http://127.0.0.1:{port}/inbox"]
    env = {**os.environ, "BENCH_REQUESTS": str(requests_file)}
    pinned = on_cpus(Placement.load)
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env, preexec_fn=pinned)  # noqa: S603
    if "wrapped" in done.stderr:
        sys.exit(f"a round needed more than the {requests_file.name} signed activities: raise --requests")
    refused = done.stderr.count("status ")
    return wrk_result(done.stdout), refused


def wrk_get(port, duration, connections):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-H", "Host: federation.localhost"]
    command.append(f"http://127.0.0.1:{port}/healthz")
    done = subprocess.run(command, capture_output=True, text=True, check=True, preexec_fn=on_cpus(Placement.load))  # noqa: S603
    return wrk_result(done.stdout), 0


def wrk_result(output):
    """Return ``(requests per second, requests made)`` from wrk's report."""
    rate = float(output.split("Requests/sec:")[1].split()[0])
    made = int(output.split(" requests in ")[0].split()[-1])
    return rate, made


def process_cpu():
    """
    Return the CPU seconds used so far by the web, database and load processes.

    Where the time of a request goes on a machine whose cores are shared by all three: the rate
    alone does not say whether the web process or the database is the cost. The web and database
    processes are read from Linux's ``/proc``; wrk, a finished child of this process, from its
    rusage.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = {"web": 0.0, "database": 0.0, "wrk": children.ru_utime + children.ru_stime}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        group = "web" if b"gunicorn" in cmdline else "database" if name == "postgres" else None
        if group:
            fields = text[text.rindex(")") + 2 :].split()
            used[group] += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def measure(load, *args):
    """Run ``load(*args)``; return the rate, the CPU µs per request of each group, the refusals, the requests made."""
    before = process_cpu()
    (rate, made), refused = load(*args)
    after = process_cpu()
    return rate, {group: (after[group] - before[group]) * 1e6 / made for group in after}, refused, made


def cpu_line(costs):
    return ", ".join(f"{group} {statistics.median(c[group] for c in costs):.0f}" for group in costs[0])


def bench_inbox(options, env, var_dir):
    """Return ``(healthz, inbox, stored activities)``: ``measure``'s result per round for each case."""
    stub_port = free_port()
    actor_url = f"http://127.0.0.1:{stub_port}/users/bench"
    from apps.federation.signing import keys

    per_round = options.requests or options.duration * 3000
    private_pem, public_pem = keys.generate_keypair()
    warm_up = var_dir / "requests-warm-up.txt"
    signed_requests(warm_up, actor_url, 6000, private_pem, first=-6000)
    requests_files = [var_dir / f"requests-{round_}.txt" for round_ in range(options.rounds)]
    for round_, requests_file in enumerate(requests_files):
        signed_requests(requests_file, actor_url, per_round, private_pem, first=round_ * per_round)
    stubs = start_stubs([stub_port], {"/users/bench": actor_doc(actor_url, public_pem)})
    script = var_dir / "inbox.lua"
    script.write_text(LUA)
    port = int(env["ROSEASH_PORT"])
    gunicorn = [sys.executable, "-m", "gunicorn", "roseash.wsgi", "-b", f"127.0.0.1:{port}"]
    gunicorn += ["-w", str(options.workers), "--threads", str(options.threads), "--log-level", "warning"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, preexec_fn=on_cpus(Placement.web))  # noqa: S603
    try:
        wait_until_up(port)
        # Not measured: the first requests of each worker load code lazily, the first POST fetches the actor.
        wrk_get(port, 2, options.connections)
        wrk_post(port, script, warm_up, 1, options.connections)
        healthz, inbox = [], []
        for requests_file in requests_files:
            healthz.append(measure(wrk_get, port, options.duration, options.connections))
            inbox.append(measure(wrk_post, port, script, requests_file, options.duration, options.connections))
            assert inbox[-1][2] == 0, f"{inbox[-1][2]} inbox POSTs were not answered 202"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        stubs.stdin.close()
        stubs.wait(timeout=10)
    from apps.federation.models import APActivity

    stored = APActivity.objects.filter(actor_url=actor_url).exclude(activity_id__contains="/likes/-").count()
    answered = sum(run[3] for run in inbox)
    assert stored >= answered, f"{answered} POSTs answered 202 but {stored} stored: some were replays"
    return healthz, inbox, stored


def bench_delivery(options, shared):
    """Fan one Create out to FOLLOWERS followers over PEER_HOSTS hosts; return ``(deliveries, seconds)``."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, transaction
    from django.utils import timezone

    from apps.federation.models import APActivity, Delivery, Follow, PeerActor
    from apps.federation.outbound import outbox

    for attempt in range(3):  # free_port's ports may be taken by others before the stubs bind them
        ports = [free_port() for _ in range(PEER_HOSTS)]
        try:
            stubs = start_stubs(ports, {})
            break
        except OSError:
            if attempt == 2:
                raise
    try:
        Follow.objects.filter(followee_url__endswith="/actors/blog").delete()
        PeerActor.objects.filter(actor_url__contains=".bench.test").delete()
        now = timezone.now()
        peers = []
        for number in range(FOLLOWERS):
            host = f"peer{number % PEER_HOSTS}.bench.test:{ports[number % PEER_HOSTS]}"
            url = f"http://{host}/users/u{number}"
            peers.append(
                PeerActor(
                    actor_url=url,
                    inbox=url + "/inbox",
                    shared_inbox=f"http://{host}/inbox" if shared else "",
                    document_format="activitystreams",
                    fetched_at=now,
                )
            )
        PeerActor.objects.bulk_create(peers)
        from apps.federation import actors

        blog = actors.site_actor("blog").id
        Follow.objects.bulk_create(
            Follow(
                follower_url=peer.actor_url,
                followee_url=blog,
                follower_peer=peer,
                state="accepted",
                activity_id=peer.actor_url + "#follow",
            )
            for peer in PeerActor.objects.filter(actor_url__contains=".bench.test")
        )
        with transaction.atomic():
            activity = outbox.emit(
                blog, "Create", {"id": blog + "/objects/bench", "type": "Note", "content": "x"}, to_followers=True
            )
        started = time.perf_counter()
        ids = outbox.expand(activity.pk)

        def send(pk):
            try:
                return outbox.attempt_delivery(pk)[0]
            finally:
                connection.close()

        with ThreadPoolExecutor(options.senders) as pool:
            states = list(pool.map(send, ids))
        elapsed = time.perf_counter() - started
        assert states.count("delivered") == len(ids), states
        assert Delivery.objects.filter(activity=activity, state="delivered").count() == len(ids)
        APActivity.objects.filter(pk=activity.pk).delete()
        return len(ids), elapsed
    finally:
        stubs.stdin.close()
        stubs.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="threads per worker, as docker/gunicorn.conf.py")
    parser.add_argument(
        "--cores",
        choices=("split", "shared"),
        default="split",
        help="web and wrk on CPUs of their own (split, the default) or all on every CPU (shared)",
    )
    parser.add_argument(
        "--requests", type=int, help="distinct signed activities signed beforehand per round (default: duration * 3000)"
    )
    parser.add_argument("--senders", type=int, default=16, help="threads making deliveries")
    parser.add_argument("--inbox-only", action="store_true", help="measure the inbox, not the fan-out")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if options.cores == "split":
        if len(os.sched_getaffinity(0)) < 2:
            sys.exit("--cores split needs two CPUs or more: use --cores shared")
        Placement.split()
    var_dir = Path(tempfile.mkdtemp(prefix="roseash-bench-inbox-"))
    try:
        env = environment(var_dir, free_port())
        env.pop("ROSEASH_INTERNAL_URL")
        env["ROSEASH_FEDERATION_ALLOW_PRIVATE"] = "true"
        env["ROSEASH_RESOLVE"] = json.dumps({"*.bench.test": "127.0.0.1"})
        if not env.get("CELERY_BROKER_URL"):  # accept, queue, never run: the inbox alone is measured
            env.update({"CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": "cache+memory://"})
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        django_setup({**env, "CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": "cache+memory://"})
        from django.conf import settings

        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        print(f"database {database}, cache {cache}, broker {env['CELERY_BROKER_URL'].split('://')[0]}")
        print(
            f"gunicorn {options.workers} workers x {options.threads} threads,"
            f" wrk -t2 -c{options.connections} -d{options.duration}s, {options.rounds} rounds (medians)"
        )
        print(Placement.describe())
        healthz, inbox, stored = bench_inbox(options, env, var_dir)
        healthz_rate, inbox_rate = (statistics.median(run[0] for run in case) for case in (healthz, inbox))
        # Each round's inbox rate against the /healthz rate measured just before it: the machine's
        # speed drifts between rounds, less within one.
        ratios = [post[0] / probe[0] for probe, post in zip(healthz, inbox, strict=True)]
        print(f"/healthz                         {healthz_rate:>8.0f} req/s")
        print(f"signed inbox POSTs accepted (202) {inbox_rate:>7.0f} req/s  ({stored} stored, each a new activity)")
        print(f"ratio per round {' '.join(f'{ratio:.2f}' for ratio in ratios)}; median {statistics.median(ratios):.2f}")
        for name, case in (("/healthz", healthz), ("inbox POST", inbox)):
            print(f"CPU µs per request, {name}: {cpu_line([run[1] for run in case])}")
        for shared in () if options.inbox_only else (True, False):
            count, seconds = bench_delivery(options, shared)
            kind = "shared inboxes" if shared else "personal inboxes"
            print(
                f"fan-out to {FOLLOWERS} followers on {PEER_HOSTS} hosts, {kind}: {count} POSTs in {seconds:.2f} s"
                f" = {count / seconds:.0f} deliveries/s ({options.senders} senders)"
            )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
