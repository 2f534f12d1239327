from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        from .site_rows import sync_site_rows

        post_migrate.connect(sync_site_rows, sender=apps.get_app_config("sites"), dispatch_uid="roseash.sync_site_rows")
        autodiscover_modules("demo")  # fragments are imported by their own apps' ready()
