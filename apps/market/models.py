"""
The market's catalogue: producers, a tree of categories, products, their variants and photos.

A product is what a visitor browses; a variant (a size, a weight) is what is priced, stocked and,
later, put in a cart. Prices are net with a VAT rate; ``apps.market.pricing`` adds the VAT.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from apps.core.sites import site_url

from . import pricing
from .images import PicturePath, thumbnail_path, validate_picture


class Producer(models.Model):
    """A member business selling through the market: a farm, a bakery, a workshop."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=120,
        unique=True,
        error_messages={"unique": "A producer with this slug exists already; choose another."},
    )
    story = models.TextField(blank=True, help_text="Who they are and how they work, shown on their page.")
    logo = models.ImageField(upload_to=PicturePath("logos", "logo"), blank=True, validators=[validate_picture])
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    location = models.CharField(max_length=120, blank=True, help_text="Village or town, shown to buyers.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        """Return the absolute URL of its page: admin, API and other sites link to it from other hosts."""
        return site_url("market", "market:producer", kwargs={"slug": self.slug})


class Category(models.Model):
    """A shelf of the market; categories nest (``parent``), and a shelf shows its sub-shelves' products."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(
        max_length=80,
        unique=True,
        error_messages={"unique": "A category with this slug exists already; choose another."},
    )
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order among its siblings.")

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Product(models.Model):
    """Something a producer sells, in one or more variants; only active products are shown."""

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=160)
    slug = models.SlugField(
        max_length=160,
        unique=True,
        error_messages={"unique": "A product with this slug exists already; choose another."},
    )
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Shown on the market site and in the API.")
    featured = models.BooleanField(default=False, help_text="Shown on the market's home page.")
    # Filled by the import from a producer's own shop page (``services.import_product_from_url``),
    # normalised (``importing.scraping.normalise_url``) so importing the same page again updates this product;
    # empty when entered by hand.
    source_url = models.URLField(max_length=500, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, help_text="When the source page last listed it.")
    last_checked_at = models.DateTimeField(null=True, blank=True, help_text="When the source page was last asked.")
    # The validators of the last answer, sent back on re-scrape (a conditional GET: 304 when unchanged).
    source_etag = models.CharField(max_length=200, blank=True, editable=False)
    source_last_modified = models.CharField(max_length=64, blank=True, editable=False)
    vanished_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the source page stopped listing it (gone, or no product on it); it was hidden then.",
    )
    import_warnings = models.TextField(
        blank=True, help_text="What the last import could not take from the source page (a photo, a price)."
    )
    scrape_problem = models.CharField(
        max_length=300, blank=True, help_text="Why the last re-scrape could not read the source page, if it failed."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["active", "featured"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_url"],
                condition=~Q(source_url=""),
                name="market_product_source_url_unique",
                violation_error_message="A product is imported from this page already.",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        """Return the absolute URL of its page: admin, API and other sites link to it from other hosts."""
        return site_url("market", "market:product", kwargs={"slug": self.slug})

    def cheapest_variant(self):
        """Return the variant with the lowest price, from prefetched variants when there are some."""
        return min(self.variants.all(), key=lambda variant: variant.price, default=None)

    def main_image(self):
        """Return the first photo (prefetched in lists), or None."""
        return next(iter(self.images.all()), None)

    @property
    def in_stock(self):
        return any(variant.available for variant in self.variants.all())


class StockState(models.TextChoices):
    IN_STOCK = "in_stock", "In stock"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    NOT_TRACKED = "not_tracked", "Available"  # made to order or plenty: nobody counts it


class Variant(models.Model):
    """One priced, stocked form of a product: ``500 g``, ``1 kg``, ``size M``."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=80, help_text="What tells it from the product's other variants.")
    sku = models.CharField(
        "SKU", max_length=64, unique=True, error_messages={"unique": "A variant with this SKU exists already."}
    )
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0, "A price cannot be negative.")],
        help_text="Net, before VAT.",
    )
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}\Z", "Give the currency as its ISO 4217 code, such as EUR.")],
        help_text="ISO 4217 code.",
    )
    vat_rate = models.DecimalField(
        "VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        default=20,
        validators=[
            MinValueValidator(0, "A VAT rate is a percentage from 0 to 100."),
            MaxValueValidator(100, "A VAT rate is a percentage from 0 to 100."),
        ],
    )
    stock = models.PositiveIntegerField(null=True, blank=True, help_text="Leave empty when stock is not tracked.")
    position = models.PositiveSmallIntegerField(default=0)
    # What names this variant on an imported product's source page (its SKU there, or its offer's
    # name), so a re-scrape updates it rather than adding another; empty when entered by hand.
    source_key = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["position", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="market_variant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0, vat_rate__lte=100), name="market_variant_vat_rate_percent"
            ),
        ]

    def __str__(self):
        return f"{self.product.name}, {self.name}" if self.product_id else self.name

    @property
    def price_with_vat(self):
        return pricing.gross(self.price, self.vat_rate)

    @property
    def stock_state(self):
        if self.stock is None:
            return StockState.NOT_TRACKED
        return StockState.IN_STOCK if self.stock > 0 else StockState.OUT_OF_STOCK

    @property
    def available(self):
        return self.stock_state != StockState.OUT_OF_STOCK


class PriceChange(models.Model):
    """
    A variant's price as a re-scrape (or the first import) found it: the history staff read in the
    admin when a producer's shop changes its prices. ``old_price`` is empty on the first row.
    """

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="price_changes")
    old_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True, help_text="Net.")
    new_price = models.DecimalField(max_digits=10, decimal_places=2, help_text="Net.")
    source_price = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="As the source page showed it (VAT included)."
    )
    currency = models.CharField(max_length=3)
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.variant}: {self.old_price} -> {self.new_price} {self.currency}"


class ProductImage(models.Model):
    """A product photo and the thumbnail made from it when it was added (``services.add_product_image``)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=PicturePath("products", "image"), validators=[validate_picture])
    thumbnail = models.ImageField(upload_to=thumbnail_path, blank=True, editable=False)
    alt = models.CharField("text alternative", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Where an imported photo was fetched from, so a re-scrape fetches only photos it does not have.
    source_url = models.URLField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.alt or self.image.name
