"""Federation's pieces of other sites' pages: the member's unread notifications in every header."""

from django.template.loader import render_to_string

from apps.core.pages.fragments import fragment
from apps.core.sites import site_url

from .hub import UNREAD_FRAGMENT, unread_count


@fragment(UNREAD_FRAGMENT, vary=("user",), ttl=15)
def unread(context):
    """
    A link to the member's notifications with how many are unread.

    Fresh for 15 seconds, so a like from afar shows soon; reading them forgets it at once
    (``hub.mark_read``), so the count never lags behind the member's own action.
    """
    if context.user is None:
        return ""
    return render_to_string(
        "federation/hub/unread.html",
        {"count": unread_count(context.user), "url": site_url("federation", "federation:notifications")},
    )
