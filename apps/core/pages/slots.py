"""
Slots: a page's optional places for other sites' fragments, which fail soft.

The blog home shows upcoming events, featured products, the visitor's basket and the newsletter
signup, each from the site it belongs to. None of them is the page's purpose, so none may take it
down or hold it up: a fragment no app has registered (its site does not exist yet) leaves its slot
empty, and so does one whose rendering fails.

In one process a fragment renders in-process (``fragments.render_fragment``). A site listed in
``ROSEASH_REMOTE_FRAGMENTS`` runs elsewhere (a split deployment): its fragments are fetched from
its ``/internal/fragments/<name>``, signed, with the whole exchange bounded by
``ROSEASH_FRAGMENT_TIMEOUT`` (half a second unless set), so a site that is down or slow costs a
page that long at most. A failed fetch is remembered empty for ``FAILED_FOR`` seconds, so a site
that is down is not asked again by every page view meanwhile.
"""

import logging

from django.conf import settings
from django.core.cache import cache

from .. import sites
from ..errors import RoseAshError
from ..outbound import http_client
from . import fragments

__all__ = ["render_slot"]

logger = logging.getLogger(__name__)

FAILED_FOR = 10  # seconds


def render_slot(name, request):
    """Return fragment ``name``'s HTML for ``request``, or "" when it cannot be had soon."""
    try:
        frag = fragments.get_fragment(name)
    except RoseAshError:
        return ""  # its site does not exist yet
    site = name.partition(".")[0]
    try:
        context = fragments.context_from_request(name, request)
        if site in settings.ROSEASH_REMOTE_FRAGMENTS:
            return _fetched(frag, site, context)
        return fragments.render_fragment(name, context)
    except Exception:  # a slot is optional: whatever went wrong, the page goes on without it
        logger.exception("Fragment %s left out of the page", name)
        return ""


def _fetched(frag, site, context):
    """Return the fragment from its own site over HTTP, cached as an in-process one is."""
    key = fragments.cache_key(frag, context.values)
    html = cache.get(key)
    if html is not None:
        return html
    path, headers = fragments.sign_fragment_request(frag.name, context)
    try:
        url = sites.get_site(site).origin + path
        response = http_client.get(url, headers=headers, deadline=settings.ROSEASH_FRAGMENT_TIMEOUT)
    except http_client.HttpClientError as exc:
        logger.warning("Fragment %s from %s: %s", frag.name, site, exc)
        cache.set(key, "", FAILED_FOR)
        return ""
    if response.status != 200:
        logger.warning("Fragment %s from %s: answered %s", frag.name, site, response.status)
        cache.set(key, "", FAILED_FOR)
        return ""
    html = response.content.decode("utf-8", errors="replace")
    cache.set(key, html, frag.ttl)
    return html
