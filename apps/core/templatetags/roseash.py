"""Template tags every Rose Ash template may use (loaded as a builtin)."""

import logging

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from .. import sites
from ..errors import RoseAshError
from ..pages import fragments, slots

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def site_url(site, viewname, *args, **kwargs):
    """``{% site_url "cart" "cart:home" %}``: the absolute URL of another site's named route."""
    return sites.site_url(site, viewname, args=args or None, kwargs=kwargs or None)


@register.simple_tag(takes_context=True)
def fragment(context, name):
    """
    ``{% fragment "account.member_badge" %}``: render another app's fragment, cached.

    A broken fragment must not take the page down with it: outside debug it is logged and left out.
    """
    request = context.get("request")
    try:
        html = fragments.render_fragment(name, fragments.context_from_request(name, request))
        # Fragment renderers return the output of Django templates, escaped where it must be.
        return mark_safe(html)  # noqa: S308
    except RoseAshError:
        if settings.DEBUG:
            raise
        logger.exception("Fragment %s could not be rendered", name)
        return ""


@register.simple_tag(takes_context=True)
def fragment_slot(context, name):
    """
    ``{% fragment_slot "events.upcoming" as upcoming %}``: another site's fragment in an optional
    place, "" when its site does not exist, fails or is slow (``apps.core.pages.slots``).
    """
    return mark_safe(slots.render_slot(name, context.get("request")))  # noqa: S308 (our fragments' templates)
