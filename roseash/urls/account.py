"""URLconf of account.<domain>."""

from django.urls import include, path

from . import site_patterns

# The events' dashboard buttons post here, where the member's session is (apps/events/members/account_urls.py).
urlpatterns = site_patterns(
    path("events/", include("apps.events.members.account_urls")),
    path("", include("apps.account.urls")),
)
