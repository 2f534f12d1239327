from django.apps import AppConfig


class AccountConfig(AppConfig):
    name = "apps.account"
    label = "account"
    verbose_name = "Members"

    def ready(self):
        from . import checks, fragments, signals  # noqa: F401  (registers system checks, fragments, signal receivers)
