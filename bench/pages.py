"""
The driver the page benchmarks share (``blog.py``, ``market.py``): fill a fresh database with many
rows, serve the project with gunicorn as ``run.py`` does, check each page answers 200, then load the
pages and ``/healthz`` with wrk, interleaved round by round, and print requests/s with the ratio to
``/healthz``. The aim of a visitor's page is 0.3.
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import check_answer, environment, free_port, gunicorn, manage, median_rates

BASELINE = ("baseline: /healthz (JsonResponse)", "blog", "/healthz", None)


def bench_pages(doc, *, rows, default_rows, fill, cases):
    """
    Run the benchmark a script's ``doc`` describes: ``--<rows>`` (default ``default_rows``) rows
    written by the shell script ``fill`` (formatted with ``count``), then ``cases(count)``, a list of
    ``(label, site, path, accept)`` measured beside ``/healthz``.
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(f"--{rows}", dest="count", type=int, default=default_rows)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per case and round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=3, help="passes over all cases; the median is reported")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")

    var_dir = Path(tempfile.mkdtemp(prefix=f"roseash-bench-{rows}-"))
    port = free_port()
    env = environment(var_dir, port)
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    manage(env, "shell", "-c", fill.format(count=options.count))
    measured = [BASELINE, *cases(options.count)]
    try:
        with gunicorn(env, port, options.workers):
            for _label, host, path, accept in measured:
                status, _content_type = check_answer(port, host, path, accept)
                assert status == 200, (path, status)
            rates = median_rates(port, measured, options)
            print(f"gunicorn {options.workers} sync workers, wrk -t2 -c{options.connections} -d{options.duration}s")
            print(f"{options.count} {rows}; database {'PostgreSQL' if env.get('DATABASE_URL') else 'SQLite'}")
            print(f"{'case':<40} {'req/s':>9} {'ratio':>6}  (median of {options.rounds} rounds)")
            baseline = rates[BASELINE[0]]
            for label, *_where in measured:
                print(f"{label:<40} {rates[label]:>9.0f} {rates[label] / baseline:>6.2f}", flush=True)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
