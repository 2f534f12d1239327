"""Start-up checks of the blog's settings: a typo in the federation type fails here, not at a publish."""

from django.core import checks

from .models import FEDERATE_AS_CHOICES, federate_as


@checks.register()
def check_federate_as(app_configs=None, **kwargs):
    if federate_as() in FEDERATE_AS_CHOICES:
        return []
    return [
        checks.Error(
            f"BLOG_FEDERATE_AS is {federate_as()!r}.",
            hint=f"Set it to one of {', '.join(FEDERATE_AS_CHOICES)} (Article unless peers drop Articles).",
            id="blog.E001",
        )
    ]
