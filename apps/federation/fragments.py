"""Federation's pieces of other sites' pages: the member's unread notifications in every header."""

from django.template.loader import render_to_string

from apps.core.fragments import forget_fragment, fragment
from apps.core.sites import site_url

from . import services

UNREAD = "federation.unread"


@fragment(UNREAD, vary=("user",), ttl=15)
def unread(context):
    """
    A link to the member's notifications with how many are unread.

    Fresh for 15 seconds, so a like from afar shows soon; reading them forgets it at once
    (``forget_unread``), so the count never lags behind the member's own action.
    """
    if context.user is None:
        return ""
    return render_to_string(
        "federation/hub/unread.html",
        {"count": services.unread_count(context.user), "url": site_url("federation", "federation:notifications")},
    )


def forget_unread(member):
    """Drop the member's cached unread count, so the next page on any site counts afresh."""
    forget_fragment(UNREAD, {"user": str(member.pk)})
