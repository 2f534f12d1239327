"""The staff's form for importing a product from a shop page."""

from django import forms

from .models import Category, Producer

ACTIONS = {"preview": "Preview", "save": "Import"}


class ImportForm(forms.Form):
    """A shop page's address, and optionally who makes the product, its shelf and the VAT in its prices."""

    url = forms.URLField(
        label="Page address",
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"size": 70, "placeholder": "https://shop.example/products/…"}),
    )
    producer = forms.ModelChoiceField(
        queryset=Producer.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label="The brand or seller the page names",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label="The category the page names, else “Imported”",
    )
    vat_rate = forms.DecimalField(
        label="VAT in the shop's prices (%)",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text="For new variants; 20 when empty. Our prices are kept net.",
    )
    action = forms.ChoiceField(
        choices=list(ACTIONS.items()), initial="preview", widget=forms.HiddenInput, required=False
    )
