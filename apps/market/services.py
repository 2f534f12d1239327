"""
What the market does, for its views, its admin, its API and other apps.

Functions take plain values (strings, decimals, model instances) and raise ``RoseAshError`` with a
sentence a producer or a visitor can act on. Lookups for visitors see active products only.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Min, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from apps.core.errors import RoseAshError
from apps.core.validation import save_validated

from .announcing.changes import product_changed
from .images import thumbnail
from .importing.products import ImportPreview, ImportResult, RescrapeResult, import_from_url, preview_from_url, rescrape
from .models import Category, Producer, Product, ProductImage, Variant

__all__ = [
    "CategoryNode",
    "ImportPreview",
    "ImportResult",
    "RescrapeResult",
    "add_product_image",
    "add_variant",
    "by_price",
    "category_ids_under",
    "category_tree",
    "create_category",
    "create_producer",
    "create_product",
    "featured_products",
    "get_category",
    "get_producer",
    "get_product",
    "import_product_from_url",
    "listed_producers",
    "listed_products",
    "make_thumbnail",
    "pick_variant",
    "preview_product_from_url",
    "product_changed",
    "products_available",
    "products_due_for_rescrape",
    "rescrape_product",
    "set_products_active",
    "set_products_featured",
]


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    slug: str
    depth: int
    children: tuple["CategoryNode", ...]

    @property
    def indented_name(self):
        """The name behind a dash per level, for a flat list such as a <select>."""
        return "\N{EN DASH} " * self.depth + self.name

    def walk(self):
        """Yield this node, then its descendants depth first (for an indented list)."""
        yield self
        for child in self.children:
            yield from child.walk()


def create_producer(
    *,
    name: str,
    slug: str = "",
    story: str = "",
    location: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    website: str = "",
) -> Producer:
    producer = Producer(
        name=name,
        slug=slug or slugify(name),
        story=story,
        location=location,
        contact_email=contact_email,
        contact_phone=contact_phone,
        website=website,
    )
    return save_validated(producer, "producer_invalid")


def create_category(*, name: str, slug: str = "", parent: Category | None = None, position: int = 0) -> Category:
    return save_validated(
        Category(name=name, slug=slug or slugify(name), parent=parent, position=position), "category_invalid"
    )


def create_product(
    *,
    producer: Producer,
    category: Category,
    name: str,
    slug: str = "",
    description: str = "",
    featured: bool = False,
    active: bool = True,
    source_url: str = "",
) -> Product:
    product = Product(
        producer=producer,
        category=category,
        name=name,
        slug=slug or slugify(name),
        description=description,
        featured=featured,
        active=active,
        source_url=source_url,
    )
    save_validated(product, "product_invalid")
    product_changed(product.pk)
    return product


def add_variant(
    product: Product,
    *,
    name: str,
    sku: str,
    price: Decimal | str,
    vat_rate: Decimal | str = Decimal("20"),
    currency: str = "EUR",
    stock: int | None = None,
    position: int = 0,
) -> Variant:
    """Add a priced variant; ``stock=None`` means nobody counts it (always available)."""
    variant = Variant(
        product=product,
        name=name,
        sku=sku,
        price=Decimal(price),
        vat_rate=Decimal(vat_rate),
        currency=currency,
        stock=stock,
        position=position,
    )
    save_validated(variant, "variant_invalid")
    product_changed(product.pk)
    return variant


def make_thumbnail(image: ProductImage) -> ProductImage:
    """Make ``image``'s thumbnail from its photo, replacing any it had, and save it."""
    image.thumbnail.save("thumbnail.jpg", thumbnail(image.image.file), save=False)
    image.save(update_fields=["thumbnail"])
    return image


def add_product_image(product: Product, file, *, alt: str = "", position: int = 0) -> ProductImage:
    """
    Add a photo after checking what it really is; its thumbnail is made at once.

    Refused files leave nothing behind: validation runs before anything is written to storage.
    """
    image = ProductImage(product=product, image=file, alt=alt, position=position)
    try:
        image.full_clean()
    except ValidationError as exc:
        raise RoseAshError("image_invalid", " ".join(exc.messages)) from None
    with transaction.atomic():
        image.save()
        product_changed(product.pk)
        return make_thumbnail(image)


def set_products_active(product_ids: Iterable[int], active: bool) -> int:
    """Show or hide products, announcing or withdrawing them on the fediverse; return how many changed."""
    with transaction.atomic():
        changing = list(
            Product.objects.select_for_update()
            .filter(pk__in=list(product_ids))
            .exclude(active=active)
            .values_list("pk", flat=True)
        )
        Product.objects.filter(pk__in=changing).update(active=active)
        for product_id in changing:
            product_changed(product_id)
    return len(changing)


def set_products_featured(product_ids: Iterable[int], featured: bool) -> int:
    """Put products on the home page or take them off; return how many changed."""
    return Product.objects.filter(pk__in=list(product_ids)).exclude(featured=featured).update(featured=featured)


def category_tree() -> list[CategoryNode]:
    """Return the root categories with their descendants, built from one query."""
    rows = list(Category.objects.values_list("id", "name", "slug", "parent_id"))
    children = {}
    for row in rows:
        children.setdefault(row[3], []).append(row)

    def build(row, depth):
        kids = tuple(build(child, depth + 1) for child in children.get(row[0], ()))
        return CategoryNode(row[0], row[1], row[2], depth, kids)

    return [build(row, 0) for row in children.get(None, ())]


def category_ids_under(slug: str) -> list[int]:
    """Return the ids of the category ``slug`` and all below it (empty when no category has that slug)."""
    for root in category_tree():
        for node in root.walk():
            if node.slug == slug:
                return [each.id for each in node.walk()]
    return []


def products_available() -> QuerySet[Product]:
    """Return the products with at least one variant that can be sold (in stock, or stock not tracked)."""
    return Product.objects.filter(Q(variants__stock__isnull=True) | Q(variants__stock__gt=0)).distinct()


def listed_products() -> QuerySet[Product]:
    """
    Return the active products as every list shows them: a fixed number of queries per page.

    Producer and category come in the same query; variants and photos in one query each for the
    whole page. Only "sort by price" joins the variants to every product (``by_price``): grouping
    10,000 products with their variants took a list page from 10 ms to 120 ms on PostgreSQL.
    """
    return (
        Product.objects.filter(active=True)
        .select_related("producer", "category")
        .prefetch_related("variants", "images")
    )


def by_price(products: QuerySet[Product], *, descending: bool = False) -> QuerySet[Product]:
    """Order products by their cheapest variant's net price, ties by name and id so pages never overlap."""
    cheapest = "-min_price" if descending else "min_price"
    return products.annotate(min_price=Min("variants__price")).order_by(cheapest, "name", "id")


def featured_products(limit: int = 8) -> list[Product]:
    return list(listed_products().filter(featured=True).order_by("-created_at")[:limit])


def listed_producers() -> QuerySet[Producer]:
    return Producer.objects.order_by("name")


def get_product(slug: str) -> Product:
    """Return the active product ``slug`` with its producer, variants and photos."""
    try:
        return listed_products().get(slug=slug)
    except Product.DoesNotExist:
        raise RoseAshError(
            "product_unknown", "There is no product at this address in the market.", status=404
        ) from None


def pick_variant(product: Product, sku: str) -> Variant | None:
    """
    Return the variant ``sku`` of ``product``; else the first that can be sold, else the first.

    A page opened without a choice shows what a visitor could buy now, not a sold-out size.
    """
    variants = list(product.variants.all())
    return (
        next((variant for variant in variants if variant.sku == sku), None)
        or next((variant for variant in variants if variant.available), None)
        or next(iter(variants), None)
    )


def get_producer(slug: str) -> Producer:
    try:
        return Producer.objects.get(slug=slug)
    except Producer.DoesNotExist:
        raise RoseAshError(
            "producer_unknown", "There is no producer at this address in the market.", status=404
        ) from None


def get_category(slug: str) -> Category:
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise RoseAshError(
            "category_unknown", f"There is no category “{slug}” in the market; give the slug of one.", status=404
        ) from None


def preview_product_from_url(url: str) -> ImportPreview:
    """
    Read the shop page at ``url`` as an import would and return what it found, saving nothing (the
    staff's form shows it before they save). Raise ``RoseAshError`` naming the URL and the reason
    when the page cannot be fetched, robots.txt forbids it, or it has no product markup.
    """
    return preview_from_url(url)


def import_product_from_url(
    url: str,
    *,
    producer: Producer | None = None,
    category: Category | None = None,
    vat_rate: Decimal | str | None = None,
) -> ImportResult:
    """
    Import the product on the shop page at ``url`` (normalised), or update the one imported from it
    before: never a second copy. Everything is fetched first, then saved in one transaction.

    ``producer`` defaults to the one the markup names (brand, else seller; created when new),
    ``category`` to the one the markup names when we have it, else the ``Imported`` shelf.
    ``vat_rate`` (percent, default 20) is that of new variants: shop prices include VAT, ours are net.
    Photos that cannot be fetched or are not pictures are warnings in the result and on the product.
    """
    return import_from_url(url, producer=producer, category=category, vat_rate=vat_rate)


def rescrape_product(product_id: int) -> RescrapeResult:
    """Re-read one imported product's page (conditional GET); see ``importing.products.rescrape``."""
    return rescrape(product_id)


def products_due_for_rescrape(limit: int = 500) -> list[int]:
    """
    Return the ids of imported products not checked for ``MARKET_RESCRAPE_HOURS``, the longest
    unchecked first; vanished ones too, so a product back on its shop is shown again.
    """
    cutoff = timezone.now() - timedelta(hours=settings.MARKET_RESCRAPE_HOURS)
    due = Product.objects.exclude(source_url="").filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
    return list(due.order_by(F("last_checked_at").asc(nulls_first=True), "pk").values_list("pk", flat=True)[:limit])
