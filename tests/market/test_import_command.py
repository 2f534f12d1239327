"""``manage.py import_product``: one line per page on stderr when it fails, exit 0 only when all were imported."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from apps.market.models import Product
from tests.workers import database_url

pytestmark = pytest.mark.django_db


def import_product(*args):
    """Run the command in this process; return its exit status, stdout and stderr lines."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("import_product", *args, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        return exc.returncode, stdout.getvalue().splitlines(), [*stderr.getvalue().splitlines(), str(exc)]
    return 0, stdout.getvalue().splitlines(), stderr.getvalue().splitlines()


def test_every_page_imported_exits_0(shop):
    honey = shop.page("/products/wildflower-honey", "shopify_product.html")
    shop.photo("/cdn/shop/files/wildflower-front.png")
    shop.photo("/cdn/shop/files/wildflower-back.png")
    cordial = shop.page("/cordial", "opengraph_only.html")
    shop.photo("/media/cordial.png")

    status, out, err = import_product(honey, cordial)

    assert status == 0
    assert out == [
        f"Imported “Wildflower Honey 340 g” from {honey}",
        f"Imported “Elderflower Cordial 500 ml” from {cordial}",
    ]
    assert err == []
    assert Product.objects.count() == 2

    status, out, err = import_product(honey)
    assert (status, out) == (0, [f"Updated “Wildflower Honey 340 g” from {honey}"])
    assert Product.objects.count() == 2


def test_one_failed_page_is_one_line_and_a_non_zero_exit(shop):
    honey = shop.page("/products/wildflower-honey", "shopify_product.html")
    about = shop.page("/about", "no_markup.html")
    private = shop.page("/private/x", "shopify_product.html")
    broken = shop.serve("/broken", "no", status=500)

    status, out, err = import_product(about, honey, private, broken)

    assert status == 1
    assert out == [f"Imported “Wildflower Honey 340 g” from {honey}"]
    photo = shop.url("/cdn/shop/files/wildflower-front.png?v=1718")
    assert err == [
        f"{about}: no product to import: it has no product markup (no schema.org Product in JSON-LD or microdata, "
        "no OpenGraph product).",
        f"{honey}: warning: Photo {photo}: the shop answered 404.",
        f"{honey}: warning: Photo {shop.url('/cdn/shop/files/wildflower-back.png?v=1718')}: the shop answered 404.",
        f"{private}: {shop.url('/robots.txt')} does not allow us to fetch this page.",
        f"{broken}: the shop answered 500, not the page.",
        "3 of 4 page(s) could not be imported.",
    ]
    assert Product.objects.count() == 1


def test_an_unknown_producer_or_category_is_refused_before_fetching(shop):
    url = shop.page("/products/wildflower-honey", "shopify_product.html")

    assert import_product(url, "--producer", "nobody")[0] == 1
    assert import_product(url, "--category", "nowhere")[2] == [
        "There is no category “nowhere” in the market; give the slug of one."
    ]
    assert import_product(url, "--vat-rate", "lots")[2][0] == "A VAT rate is a percentage from 0 to 100, not 'lots'."
    assert shop.requested() == []


def test_the_producer_and_category_options_are_used(shop, apiary, categories):
    url = shop.page("/products/heather-honey", "product_group.html", replace=[("Hillside Apiary", "Someone Else")])

    assert import_product(url, "--producer", apiary.slug, "--category", "honey", "--vat-rate", "7")[0] == 0

    product = Product.objects.get()
    assert (product.producer, product.category) == (apiary, categories["honey"])
    assert {variant.vat_rate for variant in product.variants.all()} == {7}


@pytest.mark.postgresql(reason="the command's own process must share the test database")
@pytest.mark.django_db(transaction=True)
def test_the_command_run_by_an_operator_exits_by_what_was_imported(shop, tmp_path):
    good = shop.page("/cordial", "opengraph_only.html")
    shop.photo("/media/cordial.png")
    bad = shop.page("/about", "no_markup.html")
    environment = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        "ROSEASH_ENV_FILE": "",
        "ROSEASH_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database_url(),
        "ROSEASH_OUTBOUND_ALLOW_NETWORKS": "127.0.0.0/8,::1/128",
        "MARKET_SCRAPE_DELAY": "0",
    }

    def run(*urls):
        return subprocess.run(
            [sys.executable, "manage.py", "import_product", *urls],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            cwd=django_settings.BASE_DIR,
            timeout=120,
        )

    failed = run(good, bad)
    assert failed.returncode == 1
    assert failed.stdout.splitlines() == [f"Imported “Elderflower Cordial 500 ml” from {good}"]
    assert failed.stderr.splitlines() == [
        f"{bad}: no product to import: it has no product markup (no schema.org Product in JSON-LD or microdata, "
        "no OpenGraph product).",
        "CommandError: 1 of 2 page(s) could not be imported.",
    ]

    again = run(good)
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout.splitlines() == [f"Updated “Elderflower Cordial 500 ml” from {good}"]
    assert Product.objects.filter(source_url=good).count() == 1
