from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "apps.federation"
    label = "federation"
    verbose_name = "Federation"

    def ready(self):
        from . import checks, fragments  # noqa: F401  (registers the system checks and fragments)
