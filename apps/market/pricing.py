"""
Prices: the one place a net price and a VAT rate become what a buyer pays.

Prices are stored net, in major units with two decimals, with the VAT rate in percent, so a change
of rate is one field. Everything shown or sold (pages, JSON-LD, the API, later the cart) asks
``gross`` here, so rounding is the same everywhere.
"""

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["CENT", "gross", "net_for", "vat_amount"]

CENT = Decimal("0.01")


def gross(net, vat_rate):
    """Return ``net`` plus ``vat_rate`` percent of it, rounded half up to the cent."""
    return (Decimal(net) * (1 + Decimal(vat_rate) / 100)).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_amount(net, vat_rate):
    """Return the VAT in a gross price: the difference, so net + VAT always equals the gross shown."""
    return gross(net, vat_rate) - Decimal(net).quantize(CENT, rounding=ROUND_HALF_UP)


def net_for(gross_price, vat_rate):
    """
    Return the net price (to the cent) whose ``gross`` is ``gross_price``: what a shop shows VAT
    included becomes our stored net price. When no net price gives it exactly, the nearest one.
    """
    gross_price = Decimal(gross_price).quantize(CENT, rounding=ROUND_HALF_UP)
    guess = (gross_price / (1 + Decimal(vat_rate) / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
    for candidate in (guess, guess - CENT, guess + CENT):
        if candidate >= 0 and gross(candidate, vat_rate) == gross_price:
            return candidate
    return guess
