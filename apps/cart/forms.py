"""The buyer's forms: a quantity, and checkout's contact and delivery address."""

from django import forms

from .carts import MAX_QUANTITY
from .orders import Delivery


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY)


class AddForm(forms.Form):
    """What the market's (or events') "add to cart" button posts to the cart host."""

    kind = forms.CharField(max_length=40)
    ref = forms.CharField(max_length=64)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, required=False)


ADDRESS_FIELDS = ("name", "line1", "line2", "postcode", "city", "country", "phone")


class CheckoutForm(forms.Form):
    """
    Contact email always; a delivery address when something ships (``ships``).

    A member picks one of their saved addresses (``saved``, the default preselected) or types a
    new one, which they may ask to keep in their account (``can_save``); a visitor types one.
    """

    email = forms.EmailField(label="Email", help_text="Where we send the confirmation.")
    saved_address = forms.TypedChoiceField(
        label="Send to", required=False, coerce=int, empty_value=None, widget=forms.RadioSelect
    )
    name = forms.CharField(label="Name", max_length=150, required=False)
    line1 = forms.CharField(label="Address", max_length=200, required=False)
    line2 = forms.CharField(label="Address (more)", max_length=200, required=False)
    postcode = forms.CharField(label="Postcode", max_length=20, required=False)
    city = forms.CharField(label="City", max_length=100, required=False)
    country = forms.CharField(
        label="Country code", max_length=2, min_length=2, required=False, help_text="Two letters, such as FR."
    )
    phone = forms.CharField(label="Phone", max_length=40, required=False, help_text="For the courier, if you like.")
    save_address = forms.BooleanField(label="Save this address to my account", required=False)

    def __init__(self, *args, ships: bool, saved: list[Delivery], can_save: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.ships = ships
        self.saved = saved
        if saved and ships:
            self.fields["saved_address"].choices = [
                (index, address_label(address)) for index, address in enumerate(saved)
            ] + [("", "A new address (below)")]
            self.initial.setdefault("saved_address", 0 if saved[0].is_default else "")
        else:
            del self.fields["saved_address"]
        if not ships:
            for name in ADDRESS_FIELDS:
                del self.fields[name]
        if not (ships and can_save):
            del self.fields["save_address"]

    def clean_country(self):
        return self.cleaned_data.get("country", "").upper()

    def clean(self):
        data = super().clean()
        if not self.ships or self.errors:
            return data
        if data.get("saved_address") is not None:
            if not 0 <= data["saved_address"] < len(self.saved):
                self.add_error("saved_address", "Choose one of your addresses.")
            elif any(data.get(name) for name in ADDRESS_FIELDS):
                # Sending the parcel somewhere the buyer did not mean is worse than asking again.
                self.add_error(
                    "saved_address",
                    "You chose a saved address and also typed one: choose \u201cA new address\u201d to send it "
                    "to the one you typed, or clear it.",
                )
            return data
        for name in ("name", "line1", "postcode", "city", "country"):
            if not data.get(name):
                self.add_error(name, "Needed to send your parcel.")
        return data

    def delivery(self) -> Delivery | None:
        if not self.ships:
            return None
        if self.cleaned_data.get("saved_address") is not None:
            return self.saved[self.cleaned_data["saved_address"]]
        return Delivery(**{name: self.cleaned_data[name] for name in ADDRESS_FIELDS})

    def address_to_save(self) -> Delivery | None:
        """Return the new address the member asked to keep in their account, if they did."""
        wanted = "save_address" in self.fields and self.cleaned_data.get("save_address")
        return self.delivery() if wanted and self.cleaned_data.get("saved_address") is None else None


def address_label(address: Delivery) -> str:
    place = ", ".join(part for part in (address.name, address.line1, address.line2) if part)
    label = f"{place}, {address.postcode} {address.city}, {address.country}"
    return label + " (default)" if address.is_default else label


class SalesRangeForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError("The end date is before the start date.")
        if start and end and (end - start).days >= 366:
            raise forms.ValidationError("Choose at most 366 days.")
        return data
