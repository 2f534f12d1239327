"""
Benchmark the market for an anonymous visitor against ``/healthz``, served the same way in one run.

    .venv/bin/python bench/market.py [--products 10000] [--duration 10] [--rounds 3] [--workers 2]

Serves the project with gunicorn as ``run.py`` does (DEBUG off, loopback), with ``--products``
active products (20 producers, a two-level category tree, two variants each, stock on one) written
straight into the database beforehand, and loads the product list (24 a page: the first page and
one deep in the list, filtered by category and sorted by price), a product page and the API's
product list with wrk, each round interleaving the cases. Prints requests/s and the ratio to
``/healthz``; the aim is 0.3. DATABASE_URL / REDIS_URL are used when set (a database of its own).
"""

import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import bench_pages

FILL = textwrap.dedent(
    """
    from decimal import Decimal
    from apps.market.models import Category, Producer, Product, Variant

    count = {count}
    Product.objects.all().delete()
    producers = [
        Producer.objects.get_or_create(slug=f"producer-{{n}}", defaults={{"name": f"Producer {{n}}"}})[0]
        for n in range(20)
    ]
    roots = [
        Category.objects.get_or_create(slug=f"group-{{n}}", defaults={{"name": f"Group {{n}}"}})[0]
        for n in range(4)
    ]
    leaves = [
        Category.objects.get_or_create(
            slug=f"kind-{{n}}", defaults={{"name": f"Kind {{n}}", "parent": roots[n % 4]}}
        )[0]
        for n in range(12)
    ]
    products = Product.objects.bulk_create(
        Product(name=f"Product number {{n}}", slug=f"product-{{n}}", description="Grown and made nearby. " * 8,
                producer=producers[n % 20], category=leaves[n % 12], featured=n < 8, active=True)
        for n in range(count)
    )
    Variant.objects.bulk_create(
        Variant(product=product, name=name, sku=f"SKU-{{product.pk}}-{{k}}", vat_rate=Decimal("5.5"),
                price=Decimal(3 + product.pk % 17) * (k + 1), stock=None if k else product.pk % 9, position=k)
        for product in products for k, name in enumerate(("small", "large"))
    )
    print(Product.objects.count())
    """
)


def cases(products):
    return [
        ("product list, first page", "market", "/products/", None),
        ("product list, page 50, category, by price", "market", "/products/?category=group-1&sort=price&page=50", None),
        ("a product page", "market", f"/products/product-{products // 2}/", None),
        ("API product list", "market", "/api/products/", "application/json"),
    ]


if __name__ == "__main__":
    bench_pages(__doc__, rows="products", default_rows=10_000, fill=FILL, cases=cases)
