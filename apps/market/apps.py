from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "apps.market"
    label = "market"
    verbose_name = "Market"

    def ready(self):
        from . import fragments  # noqa: F401  (registers the featured products shown on other sites)
