"""
How a visitor or an API client narrows the product list: one FilterSet for the pages and the API.

Filters take slugs, not ids, so addresses read well and survive a re-import; none of them runs a
query to validate its value (choices are not loaded), so a list costs the same queries filtered or not.
"""

import django_filters
from django.db.models import Q

from . import services
from .models import Product

# Value of ``?sort=`` -> ordering; a tie is broken by name, then id, so pages never overlap.
SORTS = {
    "name": ("name", "id"),
    "newest": ("-created_at", "-id"),
}
SORT_LABELS = {"name": "Name", "price": "Price, lowest first", "-price": "Price, highest first", "newest": "Newest"}


class ProductFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(method="in_category", label="Category (slug, with its sub-categories)")
    producer = django_filters.CharFilter(field_name="producer__slug", label="Producer (slug)")
    in_stock = django_filters.BooleanFilter(method="only_in_stock", label="Only products with a variant available")
    q = django_filters.CharFilter(method="search", label="Words in the name, description or producer")
    sort = django_filters.ChoiceFilter(
        method="sorted", choices=list(SORT_LABELS.items()), empty_label=None, label="Order"
    )

    class Meta:
        model = Product
        fields = []

    def filter_queryset(self, queryset):
        """Apply the filters, then the default order when ``?sort=`` was not given."""
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by(*SORTS["name"])
        return queryset

    def in_category(self, queryset, name, value):
        return queryset.filter(category_id__in=services.category_ids_under(value))

    def only_in_stock(self, queryset, name, value):
        available = services.products_available().values("pk")
        return queryset.filter(pk__in=available) if value else queryset.exclude(pk__in=available)

    def search(self, queryset, name, value):
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(name__icontains=word) | Q(description__icontains=word) | Q(producer__name__icontains=word)
            )
        return queryset

    def sorted(self, queryset, name, value):
        if value in ("price", "-price"):
            return services.by_price(queryset, descending=value == "-price")
        return queryset.order_by(*SORTS[value])
