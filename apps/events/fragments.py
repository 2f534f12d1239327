"""The events' pieces of other sites' pages: the next dates (the blog's home shows them) and this month."""

from apps.core.pages.fragments import fragment

from .widgets.render import month_html, upcoming_html


@fragment("events.upcoming", ttl=60)
def upcoming(context):
    """The next five dates of every calendar, linked to the events site."""
    return upcoming_html()


@fragment("events.month", ttl=300)
def month(context):
    """This month's small calendar: days with events link to the events site's month page."""
    return month_html()
