"""
Benchmark checkout: concurrent buyers over a catalogue, on PostgreSQL, with gunicorn.

    DATABASE_URL=postgresql://.../cart_bench .venv/bin/python bench/checkout.py \
        [--buyers 30] [--products 100] [--stock 10] [--duration 20] [--workers 4]

Serves the project as ``run.py`` does (DEBUG off, loopback, no SumUp key: the test payment page),
with ``--products`` products of ``--stock`` jars each written into the database beforehand. Each
of ``--buyers`` threads, with its own cookies, loops until ``--duration`` is over: it adds one to
three random products from the market page (a cross-host POST with the market's Origin), opens
checkout and places the order with an address. Prints checkouts per second, the latency of the
order POST (median, p95, p99), the refusals (sold out, busy) and the errors (any 5xx but 503 busy,
anything unexpected), then checks in the database that no variant went below zero and that each
variant's stock plus what pending orders hold equals what it started with (no oversell).
Use a database of its own: it is migrated and emptied of products and orders.
"""

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, environment, free_port, gunicorn, manage

FILL = textwrap.dedent(
    """
    from apps.cart.models import Cart, Order
    from apps.market.models import Category, Producer, Product, Variant
    Order.objects.all().delete(); Cart.objects.all().delete()
    Product.objects.all().delete()
    producer, _ = Producer.objects.get_or_create(slug="bench-farm", defaults={{"name": "Bench farm"}})
    shelf, _ = Category.objects.get_or_create(slug="bench-shelf", defaults={{"name": "Bench shelf"}})
    products = Product.objects.bulk_create(
        Product(producer=producer, category=shelf, name=f"Product {{n}}", slug=f"bench-product-{{n}}")
        for n in range({products})
    )
    Variant.objects.bulk_create(
        Variant(product=p, name="Jar", sku=f"BENCH-{{p.pk}}", price="4.00", vat_rate="5.5", stock={stock})
        for p in products
    )
    print(json.dumps(list(Variant.objects.filter(product__in=products).values_list("pk", flat=True))))
    """
)

VERIFY = textwrap.dedent(
    """
    from django.db.models import Sum
    from apps.cart.models import OrderLine
    from apps.market.models import Variant
    lines = OrderLine.objects.filter(kind="market.variant").values("ref").annotate(n=Sum("quantity"))
    held = dict(lines.values_list("ref", "n"))
    variants = list(Variant.objects.filter(sku__startswith="BENCH-").values_list("pk", "stock"))
    print(json.dumps({{
        "negative": sum(1 for _, stock in variants if stock < 0),
        "oversold": sum(1 for pk, stock in variants if stock + held.get(str(pk), 0) != {stock}),
        "sold": sum(held.values()),
        "sold_out": sum(1 for _, stock in variants if stock == 0),
    }}))
    """
)


def shell(env, code):
    output = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "shell", "-c", "import json\n" + code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


class Buyer(threading.Thread):
    def __init__(self, port, variants, until, results):
        super().__init__()
        self.base = f"http://127.0.0.1:{port}"
        self.cart_host = f"cart.localhost:{port}"
        self.market_origin = f"http://market.localhost:{port}"
        self.variants, self.until, self.results = variants, until, results

    def call(self, method, path, **kwargs):
        headers = {"Host": self.cart_host, **kwargs.pop("headers", {})}
        return self.session.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )

    def run(self):
        self.session = requests.Session()
        while time.monotonic() < self.until:
            for variant in random.sample(self.variants, random.randint(1, 3)):  # noqa: S311 (not crypto)
                posted = self.call(
                    "POST",
                    "/add/",
                    data={"kind": "market.variant", "ref": variant},
                    headers={"Origin": self.market_origin},
                )
                self.results["add"].append(posted.status_code)
                if posted.status_code == 302:  # on to the signed redirect the cart host's session follows
                    self.results["add"].append(self.call("GET", posted.headers["Location"]).status_code)
            page = self.call("GET", "/checkout/")
            if page.status_code == 302:  # nothing in the cart: everything chosen was sold out
                self.results["empty"] += 1
                continue
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
            form = {
                "csrfmiddlewaretoken": token,
                "email": "bench@example.org",
                "name": "B. Uyer",
                "line1": "1 Bench Road",
                "postcode": "75001",
                "city": "Paris",
                "country": "FR",
            }
            started = time.perf_counter()
            placed = self.call(
                "POST", "/checkout/", data=form, headers={"Referer": f"http://{self.cart_host}/checkout/"}
            )
            elapsed = time.perf_counter() - started
            self.results["latency"].append(elapsed)
            if placed.status_code == 302 and "/payments/" in placed.headers.get("Location", ""):
                self.results["ordered"] += 1
            elif placed.status_code == 409:
                self.results["refused"] += 1
                # What was refused stays in the cart: empty it, as a buyer lowering the quantity would.
                for line in set(re.findall(r'action="/lines/(\d+)/remove/"', self.call("GET", "/").text)):
                    self.call("POST", f"/lines/{line}/remove/", data={"csrfmiddlewaretoken": token})
            elif placed.status_code == 503:
                self.results["busy"] += 1
            else:
                self.results["errors"].append(placed.status_code)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=30)
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--stock", type=int, default=10, help="jars of each product")
    parser.add_argument("--duration", type=int, default=20, help="seconds of buying")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    options = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="roseash-bench-"))
    port = free_port()
    env = environment(var_dir, port)
    env.pop("SUMUP_API_KEY", None)
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own: checkout's locks are measured there.")
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    variants = [str(pk) for pk in shell(env, FILL.format(products=options.products, stock=options.stock))]
    results = {"add": [], "latency": [], "ordered": 0, "refused": 0, "busy": 0, "empty": 0, "errors": []}
    with gunicorn(env, port, options.workers):
        until = time.monotonic() + options.duration
        buyers = [Buyer(port, variants, until, results) for _ in range(options.buyers)]
        started = time.monotonic()
        for buyer in buyers:
            buyer.start()
        for buyer in buyers:
            buyer.join()
        elapsed = time.monotonic() - started
    check = shell(env, VERIFY.format(stock=options.stock))
    latency = sorted(results["latency"])
    add_errors = [status for status in results["add"] if status >= 500]
    errors = len(results["errors"]) + len(add_errors)
    rate = results["ordered"] / elapsed

    def ms(share):
        return f"{latency[min(len(latency) - 1, int(len(latency) * share))] * 1000:.0f} ms"

    print(
        f"gunicorn {options.workers} sync workers, {options.buyers} buyers, {options.products} x {options.stock} jars"
    )
    print(f"checkouts placed     {results['ordered']} in {elapsed:.1f} s: {rate:.1f}/s")
    print(f"order POST latency   median {ms(0.5)}, p95 {ms(0.95)}, p99 {ms(0.99)} ({len(latency)} POSTs)")
    print(f"refused (sold out)   {results['refused']}; busy {results['busy']}; sold-out carts {results['empty']}")
    print(f"errors               {errors} (order {results['errors'][:5]}, add {add_errors[:5]})")
    print(
        f"database             {check['sold']} jars sold, {check['sold_out']} variants sold out, "
        f"{check['negative']} below zero, {check['oversold']} oversold"
    )
    if check["negative"] or check["oversold"] or results["errors"] or add_errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
