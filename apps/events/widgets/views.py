"""
The widget pages outside websites embed: the only pages of ours that may be framed.

Every other page says ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``; these two are
exempt from the first and replace the second with ``*``. They show public dates only, hold no
form and read no session, so a framing site can learn nothing and trick no one into anything.
``embed.js`` is the script snippet's code: it puts the widget's iframe where the snippet is.
"""

from csp.decorators import csp_replace
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt

from apps.core.sites import get_site

from .. import page_cache, services
from .render import month_html, upcoming_html

FRAMEABLE = {"frame-ancestors": ["*"]}
WIDGETS = ("upcoming", "month")


def _frameable(view):
    return xframe_options_exempt(
        csp_replace(FRAMEABLE)(cache_control(public=True, max_age=60)(page_cache.for_visitors(view)))
    )


@_frameable
def upcoming_widget(request):
    html = upcoming_html(calendar_slug=request.GET.get("calendar", ""), target="_blank")
    return render(request, "events/widgets/frame.html", {"body": html, "title": "Upcoming events"})


@_frameable
def month_widget(request):
    html = month_html(calendar_slug=request.GET.get("calendar", ""), target="_blank")
    return render(request, "events/widgets/frame.html", {"body": html, "title": "This month"})


@cache_control(public=True, max_age=3600)
def embed_script(request):
    """The snippet's script: each ``<div data-roseash-events="upcoming|month">`` gets its iframe."""
    script = render_to_string("events/widgets/embed.js", {"origin": get_site("events").origin})
    return HttpResponse(script, content_type="text/javascript; charset=utf-8")


def embed_help(request):
    """How to put the widgets on another website: the iframe and the script snippet to copy."""
    origin = get_site("events").origin
    return render(
        request,
        "events/widgets/help.html",
        {"origin": origin, "calendars": services.listed_calendars(), "widgets": WIDGETS},
    )
