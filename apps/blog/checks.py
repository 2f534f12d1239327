"""Start-up checks of the blog's settings: a typo in the federation type fails here, not at a publish."""

from django.core import checks

from .ghost import configuration_problem, is_wanted
from .models import FEDERATE_AS_CHOICES, configured_federate_as


@checks.register()
def check_federate_as(app_configs=None, **kwargs):
    if configured_federate_as() in FEDERATE_AS_CHOICES:
        return []
    return [
        checks.Error(
            f"BLOG_FEDERATE_AS is {configured_federate_as()!r}.",
            hint=f"Set it to one of {', '.join(FEDERATE_AS_CHOICES)} (Article unless peers drop Articles).",
            id="blog.E001",
        )
    ]


@checks.register()
def check_ghost(app_configs=None, **kwargs):
    """Ghost's settings are checked at start-up once ``GHOST_URL`` asks for a sync."""
    if not is_wanted():
        return []
    problem = configuration_problem()
    if problem is None:
        return []
    return [checks.Error(problem, hint="See docs/blog.md, Ghost.", id="blog.E002")]
