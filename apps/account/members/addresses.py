"""
Postal addresses members keep for checkout.

A member has any number of addresses and at most one default (a partial unique constraint holds
that under concurrency); the first address saved becomes the default, and deleting the default
hands the role to the newest remaining one. Every lookup is scoped to the member: another member's
address by id is "not found", never "forbidden", so ids reveal nothing.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.errors import RoseAshError

from ..models import Address, User

FIELDS = ("name", "line1", "line2", "postcode", "city", "country", "phone")


def saved_addresses(member: User) -> list[Address]:
    """Return the member's addresses, the default first, then the newest."""
    return list(Address.objects.filter(member=member))


def default_address(member: User) -> Address | None:
    return Address.objects.filter(member=member, is_default=True).first()


def get_address(member: User, address_id: int) -> Address:
    """Return the member's address ``address_id``; 404 for anyone else's or none."""
    try:
        return Address.objects.get(member=member, pk=int(address_id))
    except (Address.DoesNotExist, TypeError, ValueError):
        raise RoseAshError("address_unknown", "There is no such address in your account.", status=404) from None


def _values(fields):
    unknown = set(fields) - set(FIELDS) - {"is_default"}
    if unknown:
        raise TypeError(f"Unknown address fields: {sorted(unknown)}")
    values = {name: str(fields.get(name) or "").strip() for name in FIELDS}
    values["country"] = values["country"].upper()
    return values


def _check(address):
    try:
        address.full_clean(exclude=["member"])
    except ValidationError as error:
        raise RoseAshError("address_invalid", " ".join(error.messages)) from None


def _make_default(member, address):
    Address.objects.filter(member=member, is_default=True).exclude(pk=address.pk).update(is_default=False)
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default"])


@transaction.atomic
def remember_address(member: User, **fields: str | bool) -> Address:
    """
    Keep an address for ``member`` and return it; an identical one already kept is returned instead.

    Fields: name, line1, line2, postcode, city, country (ISO 3166 alpha-2), phone, and
    ``is_default`` to make it the default (the first address is the default anyway). Raise
    ``RoseAshError`` (400) naming what is invalid; nothing is saved then.
    """
    values = _values(fields)
    want_default = bool(fields.get("is_default"))
    list(Address.objects.select_for_update().filter(member=member))  # one writer of a member's defaults at a time
    address = Address.objects.filter(member=member, **values).first()
    if address is None:
        address = Address(member=member, **values)
        _check(address)
        want_default = want_default or not Address.objects.filter(member=member).exists()
        address.save()
    if want_default:
        _make_default(member, address)
    return address


@transaction.atomic
def update_address(member: User, address_id: int, **fields: str | bool) -> Address:
    """Change the member's address ``address_id`` (404 for anyone else's); ``RoseAshError`` when invalid."""
    list(Address.objects.select_for_update().filter(member=member))
    address = get_address(member, address_id)
    for name, value in _values(fields).items():
        setattr(address, name, value)
    _check(address)
    address.save()
    if fields.get("is_default"):
        _make_default(member, address)
    return address


@transaction.atomic
def make_default_address(member: User, address_id: int) -> Address:
    list(Address.objects.select_for_update().filter(member=member))
    address = get_address(member, address_id)
    _make_default(member, address)
    return address


@transaction.atomic
def delete_address(member: User, address_id: int) -> None:
    """Delete the member's address ``address_id``; when it was the default, the newest left takes over."""
    list(Address.objects.select_for_update().filter(member=member))
    address = get_address(member, address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        newest = Address.objects.filter(member=member).order_by("-created", "-id").first()
        if newest is not None:
            _make_default(member, newest)
