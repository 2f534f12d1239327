"""
Staff screens of the catalogue: products with their variants and photos inline, bulk show/hide and
feature; for imported products their source, what the import could not take, whether they vanished
from their shop, a re-scrape on demand, and each variant's price history.
"""

from django.contrib import admin, messages
from django.db import models, transaction
from django.utils.html import format_html_join

from . import services
from .models import Category, PriceChange, Producer, Product, ProductImage, Variant
from .tasks import rescrape_product_task

# Addresses typed without a scheme are taken as https (Django 6's default, asked for now).
URLS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Producer)
class ProducerAdmin(admin.ModelAdmin):
    formfield_overrides = URLS_ASSUME_HTTPS
    list_display = ["name", "location", "contact_email", "created_at"]
    search_fields = ["name", "slug", "location", "contact_email"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "position"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 1
    fields = ["name", "sku", "price", "vat_rate", "currency", "stock", "position"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 1
    fields = ["image", "thumbnail", "alt", "position"]
    readonly_fields = ["thumbnail"]


class StockFilter(admin.SimpleListFilter):
    """Products by what can be sold: any variant available, none, or stock not counted at all."""

    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("available", "Available"), ("sold_out", "Sold out"), ("untracked", "Not tracked")]

    def queryset(self, request, queryset):
        available = services.products_available().values("pk")
        if self.value() == "available":
            return queryset.filter(pk__in=available)
        if self.value() == "sold_out":
            return queryset.exclude(pk__in=available)
        if self.value() == "untracked":
            return queryset.filter(pk__in=Product.objects.filter(variants__stock__isnull=True).values("pk"))
        return queryset


class ImportedFilter(admin.SimpleListFilter):
    """Products by where they come from and how their shop's page stands."""

    title = "import"
    parameter_name = "imported"

    def lookups(self, request, model_admin):
        return [
            ("yes", "Imported"),
            ("no", "Entered by hand"),
            ("vanished", "Vanished from their shop"),
            ("warnings", "With import warnings"),
            ("problem", "Last re-scrape failed"),
        ]

    def queryset(self, request, queryset):
        imported = queryset.exclude(source_url="")
        return {
            "yes": imported,
            "no": queryset.filter(source_url=""),
            "vanished": imported.filter(vanished_at__isnull=False),
            "warnings": imported.exclude(import_warnings=""),
            "problem": imported.exclude(scrape_problem="").filter(vanished_at__isnull=True),
        }.get(self.value(), queryset)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    formfield_overrides = URLS_ASSUME_HTTPS
    list_display = ["name", "producer", "category", "active", "featured", "imported", "vanished_at", "updated_at"]
    list_filter = ["active", "featured", StockFilter, ImportedFilter, "producer", "category"]
    list_select_related = ["producer", "category"]
    search_fields = ["name", "slug", "description", "producer__name", "variants__sku", "source_url"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "created_at",
        "updated_at",
        "last_seen_at",
        "last_checked_at",
        "vanished_at",
        "import_warnings",
        "scrape_problem",
        "price_history",
    ]
    inlines = [VariantInline, ProductImageInline]
    actions = ["activate", "deactivate", "feature", "unfeature", "rescrape"]

    @admin.display(description="import", ordering="source_url")
    def imported(self, product):
        """Say at a glance whether an imported product needs a look: warnings, a failed re-scrape."""
        if not product.source_url:
            return "—"
        if product.vanished_at:
            return "vanished"
        if product.scrape_problem:
            return "re-scrape failed"
        return "with warnings" if product.import_warnings else "imported"

    @admin.display(description="price history")
    def price_history(self, product):
        changes = PriceChange.objects.filter(variant__product=product).select_related("variant")[:30]
        return (
            format_html_join(
                "\n",
                "<div>{}: {} → {} {} (shown {}), {}</div>",
                (
                    (c.variant.name, c.old_price or "—", c.new_price, c.currency, c.source_price, c.changed_at)
                    for c in changes
                ),
            )
            or "—"
        )

    @admin.action(description="Re-read the selected imported products from their shops now")
    def rescrape(self, request, queryset):
        ids = list(queryset.exclude(source_url="").values_list("pk", flat=True))
        for product_id in ids:
            transaction.on_commit(lambda product_id=product_id: rescrape_product_task.delay(product_id))
        self.message_user(
            request,
            f"{len(ids)} imported product{'s' if len(ids) != 1 else ''} will be re-read from their shops shortly.",
            messages.SUCCESS,
        )

    def save_related(self, request, form, formsets, change):
        """Federate the product once its variants and photos are saved too (on commit)."""
        super().save_related(request, form, formsets, change)
        services.product_changed(form.instance.pk)

    def delete_model(self, request, obj):
        product_id = obj.pk
        super().delete_model(request, obj)
        services.product_changed(product_id)

    def delete_queryset(self, request, queryset):
        product_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        for product_id in product_ids:
            services.product_changed(product_id)

    def save_formset(self, request, form, formset, change):
        """Make a thumbnail for each photo added or replaced, as ``services.add_product_image`` does."""
        super().save_formset(request, form, formset, change)
        if formset.model is ProductImage:
            for image_form in formset.forms:
                if image_form.instance.pk and "image" in image_form.changed_data:
                    services.make_thumbnail(image_form.instance)

    def _done(self, request, count, what):
        self.message_user(request, f"{count} product{'s' if count != 1 else ''} {what}.", messages.SUCCESS)

    @admin.action(description="Show the selected products on the market")
    def activate(self, request, queryset):
        self._done(request, services.set_products_active(queryset.values_list("pk", flat=True), True), "shown")

    @admin.action(description="Hide the selected products")
    def deactivate(self, request, queryset):
        self._done(request, services.set_products_active(queryset.values_list("pk", flat=True), False), "hidden")

    @admin.action(description="Feature the selected products on the home page")
    def feature(self, request, queryset):
        self._done(request, services.set_products_featured(queryset.values_list("pk", flat=True), True), "featured")

    @admin.action(description="Take the selected products off the home page")
    def unfeature(self, request, queryset):
        count = services.set_products_featured(queryset.values_list("pk", flat=True), False)
        self._done(request, count, "no longer featured")


@admin.register(PriceChange)
class PriceChangeAdmin(admin.ModelAdmin):
    """Every price an import or re-scrape found, newest first: read-only, it is what the shops said."""

    list_display = ["variant", "old_price", "new_price", "source_price", "currency", "changed_at"]
    list_filter = ["currency", "variant__product__producer"]
    list_select_related = ["variant__product"]
    search_fields = ["variant__sku", "variant__name", "variant__product__name"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
