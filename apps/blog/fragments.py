"""The blog's pieces of every site's pages: the cooperative's navigation in each header."""

from django.template.loader import render_to_string

from apps.core.pages.fragments import fragment

from .navigation import MENU_FRAGMENT, header_links


@fragment(MENU_FRAGMENT, vary=("site",), ttl=300)
def menu(context):
    """
    The main menu, or the six sites' homes until there is one.

    It varies on the site so the link to the current site's home carries ``aria-current``; staff
    saving a menu forget it at once (``navigation.forget_menu``), the TTL only bounds how long a
    post unpublished elsewhere stays linked.
    """
    return render_to_string("blog/menu.html", {"links": header_links(), "current": context.values.get("site", "")})
