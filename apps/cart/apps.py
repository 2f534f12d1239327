from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "apps.cart"
    label = "cart"
    verbose_name = "Cart"

    def ready(self):
        from . import checks, fragments, signals  # noqa: F401  (registers checks, the badge, the sign-in merge)
