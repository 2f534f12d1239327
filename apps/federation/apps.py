from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FederationConfig(AppConfig):
    name = "apps.federation"
    label = "federation"
    verbose_name = "Federation"

    def ready(self):
        from . import checks, fragments  # noqa: F401  (registers the system checks and fragments)
        from .site_profiles import create_missing_profiles

        post_migrate.connect(create_missing_profiles, sender=self, dispatch_uid="roseash.site_actor_profiles")
