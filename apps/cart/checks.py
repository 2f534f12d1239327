"""Start-up checks of the payment settings: a half-configured SumUp fails here, not at a buyer's checkout."""

from django.conf import settings
from django.core import checks


@checks.register()
def check_sumup(app_configs=None, **kwargs):
    errors = []
    if settings.SUMUP_API_KEY and not settings.SUMUP_MERCHANT_CODE:
        errors.append(
            checks.Error(
                "SUMUP_API_KEY is set but SUMUP_MERCHANT_CODE is not.",
                hint="Set SUMUP_MERCHANT_CODE to your SumUp merchant code (see docs/cart.md).",
                id="cart.E001",
            )
        )
    if not settings.SUMUP_API_URL.startswith(("https://", "http://")):
        errors.append(
            checks.Error(
                f"SUMUP_API_URL is {settings.SUMUP_API_URL!r}.",
                hint="Give SumUp's base URL, https://api.sumup.com unless you test against a local server.",
                id="cart.E002",
            )
        )
    return errors
