"""
Importing a product from a shop page, and re-reading it later: the work behind the services.

Each import has two halves. First everything that touches the network: the page (robots.txt and
the host's delay honoured, ``scraping``), its markup read into a ``ScrapedProduct``
(``reading``), and the photos not already held, each checked like an upload. Then one
transaction writes the product, its variants, their price history and the photos: a page that
fails any check leaves nothing behind, and no transaction waits on a shop. A photo that cannot be
had is a warning on the product (``Product.import_warnings``), not a failed import.

Prices on shop pages include VAT; ours are stored net (``pricing.net_for``) at the variant's rate.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from apps.core.errors import RoseAshError
from apps.core.validation import save_validated

from .. import pricing
from ..announcing.changes import product_changed
from ..images import MAX_BYTES, thumbnail, validate_picture
from ..models import Category, PriceChange, Producer, Product, ProductImage, Variant
from . import scraping
from .reading import MarkupMissing, ScrapedProduct, read_product

__all__ = [
    "IMPORTED_CATEGORY",
    "ImportPreview",
    "ImportResult",
    "RescrapeResult",
    "import_from_url",
    "preview_from_url",
    "rescrape",
]

IMPORTED_CATEGORY = ("Imported", "imported")  # where a product goes when nothing names its shelf
DEFAULT_CURRENCY = "EUR"
DEFAULT_VAT_RATE = Decimal("20")
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the product it wrote, whether it is new, and what it could not take."""

    product_id: int
    url: str
    name: str
    created: bool
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportPreview:
    """What importing ``product.url`` would write, read without saving anything."""

    product: ScrapedProduct
    existing_product_id: int | None
    producer_name: str
    producer_exists: bool


@dataclass(frozen=True)
class RescrapeResult:
    """One re-read of an imported product: ``unchanged`` (304), ``updated``, ``vanished`` or ``failed``."""

    product_id: int
    outcome: str
    detail: str = ""
    price_changes: int = 0


@dataclass
class _Fetched:
    """What the network half gathered for the saving half."""

    url: str
    scraped: ScrapedProduct
    etag: str
    last_modified: str
    photos: list = field(default_factory=list)  # (source URL, ContentFile), in the page's order
    warnings: list = field(default_factory=list)


# --- Reading (network, no transaction) --------------------------------------------------------


def _read(url, *, etag="", last_modified=""):
    """GET and read the page; return ``(answer, scraped)``, ``scraped`` None on a 304."""
    answer = scraping.fetch_page(url, etag=etag, last_modified=last_modified)
    if answer.status == 304 and (etag or last_modified):
        return answer, None
    if answer.status in (404, 410):
        raise RoseAshError("page_gone", f"{url}: the shop answered {answer.status}: the page is gone.", status=502)
    if answer.status != 200:
        raise RoseAshError("page_status", f"{url}: the shop answered {answer.status}, not the page.", status=502)
    if answer.media_type not in HTML_TYPES:
        raise RoseAshError(
            "page_not_html", f"{url}: not a web page (it is {answer.media_type or 'of no stated type'}).", status=422
        )
    try:
        scraped = read_product(answer.content, url, encoding=answer.media_type_params.get("charset", "utf-8"))
    except MarkupMissing as exc:
        raise RoseAshError("no_product_markup", f"{url}: no product to import: {exc.reason}.", status=422) from None
    return answer, scraped


def _fetch_photos(fetched, have):
    """Fetch and check the photos not in ``have`` (source URLs); each one that fails becomes a warning."""
    for url in fetched.scraped.images:
        if url in have:
            continue
        try:
            answer = scraping.polite_get(url, headers={"Accept": "image/*"}, max_bytes=MAX_BYTES)
        except RoseAshError as exc:
            fetched.warnings.append(f"Photo {exc.message}")
            continue
        if answer.status != 200:
            fetched.warnings.append(f"Photo {url}: the shop answered {answer.status}.")
            continue
        photo = ContentFile(answer.content, name="photo")
        try:
            validate_picture(photo)
        except ValidationError as exc:
            fetched.warnings.append(f"Photo {url}: {' '.join(exc.messages)}")
            continue
        fetched.photos.append((url, photo))


def _gather(url, answer, scraped, *, have_photos):
    """Keep what the page's answer says for the next conditional GET, and fetch the photos not held."""
    fetched = _Fetched(
        url=url,
        scraped=scraped,
        etag=answer.headers.get("etag", "")[:200],
        last_modified=answer.headers.get("last-modified", "")[:64],
        warnings=list(scraped.notes),
    )
    _fetch_photos(fetched, set(have_photos))
    return fetched


def _imported_photo_urls(product_id):
    if product_id is None:
        return set()
    return set(
        ProductImage.objects.filter(product_id=product_id).exclude(source_url="").values_list("source_url", flat=True)
    )


def _existing_id(url):
    return Product.objects.filter(source_url=url).values_list("pk", flat=True).first()


def preview_from_url(url: str) -> ImportPreview:
    """Read the page at ``url`` as an import would, and say what it would write; nothing is saved."""
    url = scraping.normalise_url(url)
    _answer, scraped = _read(url)
    existing = Product.objects.filter(source_url=url).select_related("producer").first()
    if existing is not None:
        return ImportPreview(scraped, existing.pk, existing.producer.name, True)
    found = _find_producer(scraped.producer_name)
    return ImportPreview(scraped, None, found.name if found else scraped.producer_name, found is not None)


def import_from_url(
    url: str, *, producer: Producer | None = None, category: Category | None = None, vat_rate=None
) -> ImportResult:
    """Import the product on the page at ``url``, or update the one imported from it before."""
    url = scraping.normalise_url(url)
    rate = _vat_rate(vat_rate)
    existing_id = _existing_id(url)
    answer, scraped = _read(url)
    if producer is None and existing_id is None and not scraped.producer_name:
        raise RoseAshError(
            "producer_missing",
            f"{url}: the page names no brand or seller; choose the producer (--producer SLUG, or the form's field).",
        )
    fetched = _gather(url, answer, scraped, have_photos=_imported_photo_urls(existing_id))
    try:
        with transaction.atomic():
            product, created, _changes = _save(fetched, producer=producer, category=category, vat_rate=rate)
    except IntegrityError as exc:  # another import of the same page, or a SKU taken meanwhile
        message = f"{url}: another import saved the same page or SKU at the same moment; import it again."
        raise RoseAshError("import_conflict", message, status=409) from exc
    return ImportResult(product.pk, url, product.name, created, tuple(fetched.warnings))


def _vat_rate(value):
    if value is None or value == "":
        return DEFAULT_VAT_RATE
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not 0 <= rate <= 100:
        raise RoseAshError("vat_rate_invalid", f"A VAT rate is a percentage from 0 to 100, not {value!r}.")
    return rate


# --- Saving (one transaction, no network) -----------------------------------------------------


def _save(fetched, *, producer, category, vat_rate):
    """Write the product, its variants and photos as read; return ``(product, created, price changes)``."""
    scraped = fetched.scraped
    now = timezone.now()
    product = Product.objects.select_for_update().filter(source_url=fetched.url).first()
    created = product is None
    if created:
        product = Product(
            source_url=fetched.url,
            slug=_free_slug(scraped.name),
            producer=producer or _producer_for(scraped, fetched.url),
            category=category or _category_for(scraped),
        )
    else:
        product.producer = producer or product.producer
        product.category = category or product.category
        if product.vanished_at is not None:  # back on the shop: shown again
            product.vanished_at = None
            product.active = True
    product.name = scraped.name
    product.description = scraped.description
    product.last_seen_at = product.last_checked_at = now
    product.source_etag = fetched.etag
    product.source_last_modified = fetched.last_modified
    product.scrape_problem = ""
    warnings = fetched.warnings
    save_validated(product, "import_invalid", about=fetched.url)
    changes = _save_variants(product, scraped, vat_rate, warnings)
    _save_photos(product, fetched)
    product.import_warnings = "\n".join(warnings)
    product.save(update_fields=["import_warnings"])
    product_changed(product.pk)  # the market actor announces it, or updates its followers' copy
    return product, created, changes


def _save_variants(product, scraped, vat_rate, warnings):
    """Add or update a variant per offer (matched by ``source_key``); return how many prices changed."""
    existing = {variant.source_key: variant for variant in product.variants.exclude(source_key="")}
    taken = set()
    changes = 0
    for position, offer in enumerate(scraped.variants):
        currency = offer.currency
        if len(currency) != 3 or not currency.isalpha():
            warnings.append(f"“{offer.name}” names no currency; taken as {DEFAULT_CURRENCY}.")
            currency = DEFAULT_CURRENCY
        variant = existing.pop(offer.key, None)
        if variant is None:
            variant = Variant(product=product, source_key=offer.key, vat_rate=vat_rate)
            variant.sku = _free_sku(offer.sku or f"{product.slug[:50]}-{position + 1}", taken)
            old_price = None
        else:
            old_price = variant.price if variant.currency == currency else None
        net = pricing.net_for(offer.price, variant.vat_rate)
        priced_anew = variant.pk is None or variant.price != net or variant.currency != currency
        variant.name = offer.name
        variant.price = net
        variant.currency = currency
        variant.stock = None if offer.available else 0  # a shop's stock is not counted here: on or off
        variant.position = position
        save_validated(variant, "import_invalid", about=scraped.url)
        taken.add(variant.sku)
        if priced_anew:
            PriceChange.objects.create(
                variant=variant, old_price=old_price, new_price=net, source_price=offer.price, currency=currency
            )
            changes += old_price is not None
    for gone in existing.values():
        if gone.stock != 0:
            gone.stock = 0
            gone.save(update_fields=["stock"])
        warnings.append(f"Variant “{gone.name}” is no longer on the page; it is marked sold out.")
    return changes


def _save_photos(product, fetched):
    """Add the new photos with their thumbnails; drop imported photos the page no longer shows."""
    listed = list(fetched.scraped.images)
    product.images.exclude(source_url="").exclude(source_url__in=listed).delete()
    for url, photo in fetched.photos:
        image = ProductImage(product=product, image=photo, alt=product.name[:200], source_url=url)
        image.position = listed.index(url)
        image.save()
        image.thumbnail.save("thumbnail.jpg", thumbnail(image.image.file), save=False)
        image.save(update_fields=["thumbnail"])


def _free_slug(name):
    base = slugify(name)[:150] or "product"
    return _first_free(base, lambda slug: Product.objects.filter(slug=slug).exists())


def _free_sku(preferred, taken):
    base = preferred.strip()[:58] or "imported"
    return _first_free(base, lambda sku: sku in taken or Variant.objects.filter(sku=sku).exists())


def _first_free(base, used):
    candidate, number = base, 1
    while used(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _find_producer(name):
    if not name:
        return None
    return Producer.objects.filter(name__iexact=name).first() or Producer.objects.filter(slug=slugify(name)).first()


def _producer_for(scraped, url):
    """The producer the markup names (brand, else seller), created with the shop as its website if new."""
    found = _find_producer(scraped.producer_name)
    if found is not None:
        return found
    parts = urlsplit(url)
    producer = Producer(
        name=scraped.producer_name[:120],
        slug=_first_free(
            slugify(scraped.producer_name)[:110] or "producer", lambda s: Producer.objects.filter(slug=s).exists()
        ),
        website=f"{parts.scheme}://{parts.netloc}/",
    )
    save_validated(producer, "import_invalid", about=url)
    return producer


def _category_for(scraped):
    """The shelf the markup names, when we have one of that name; else the ``Imported`` shelf."""
    label = scraped.category.replace(">", "/").split("/")[-1].strip()
    if label:
        found = Category.objects.filter(Q(name__iexact=label) | Q(slug=slugify(label))).order_by("pk").first()
        if found is not None:
            return found
    name, slug = IMPORTED_CATEGORY
    category, _created = Category.objects.get_or_create(slug=slug, defaults={"name": name})
    return category


# --- Re-scrape --------------------------------------------------------------------------------


def rescrape(product_id: int) -> RescrapeResult:
    """
    Re-read an imported product's page with a conditional GET: 304 changes only ``last_seen_at``;
    a new page updates it (price changes recorded); 404, 410 or no product markup hide it and mark
    when it vanished; any other failure is noted in ``scrape_problem`` and tried again next time.
    """
    product = Product.objects.filter(pk=product_id).exclude(source_url="").first()
    if product is None:
        raise RoseAshError("product_unknown", f"No imported product has the id {product_id}.", status=404)
    url, now = product.source_url, timezone.now()
    try:
        answer, scraped = _read(url, etag=product.source_etag, last_modified=product.source_last_modified)
    except RoseAshError as exc:
        if exc.code in ("no_product_markup", "page_gone"):
            return _vanish(product, exc.message, now)
        Product.objects.filter(pk=product.pk).update(last_checked_at=now, scrape_problem=exc.message[:300])
        return RescrapeResult(product.pk, "failed", exc.message)
    if scraped is None:
        Product.objects.filter(pk=product.pk).update(last_checked_at=now, last_seen_at=now, scrape_problem="")
        return RescrapeResult(product.pk, "unchanged")
    fetched = _gather(url, answer, scraped, have_photos=_imported_photo_urls(product.pk))
    try:
        with transaction.atomic():
            _saved, _created, changes = _save(fetched, producer=None, category=None, vat_rate=DEFAULT_VAT_RATE)
    except (RoseAshError, IntegrityError) as exc:  # the page reads, but not into a valid product
        problem = exc.message if isinstance(exc, RoseAshError) else f"{url}: could not be saved ({exc})"
        Product.objects.filter(pk=product.pk).update(last_checked_at=now, scrape_problem=problem[:300])
        return RescrapeResult(product.pk, "failed", problem)
    return RescrapeResult(product.pk, "updated", "; ".join(fetched.warnings), changes)


def _vanish(product, reason, now):
    """Hide a product its shop no longer lists, and say since when; it is kept, not deleted."""
    fields = {"last_checked_at": now, "scrape_problem": reason[:300], "active": False}
    if product.vanished_at is None:
        fields["vanished_at"] = now
    Product.objects.filter(pk=product.pk).update(**fields)
    product_changed(product.pk)  # withdrawn from the fediverse too
    return RescrapeResult(product.pk, "vanished", reason)
