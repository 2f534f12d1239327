from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "apps.market"
    label = "market"
    verbose_name = "Market"

    def ready(self):
        from apps.cart.services import register_purchasable

        from . import fragments  # noqa: F401  (registers the featured products shown on other sites)
        from .purchasables import VariantProvider

        register_purchasable(VariantProvider())  # the cart sells variants as "market.variant"
