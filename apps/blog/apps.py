from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "apps.blog"
    label = "blog"
    verbose_name = "Blog"

    def ready(self):
        from . import checks, fragments  # noqa: F401  (registers the system checks and the header menu)
