"""
The cooperative's navigation: menus staff edit in the admin, shown in the header of every site.

A menu is read once into plain values (``MenuLink``), cached, and forgotten, with the header
fragment of every site, when staff change it. Until a menu named ``main`` has links to show, the
header links to the six sites' homes, so a fresh install still has navigation.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from apps.core.errors import RoseAshError
from apps.core.pages.fragments import forget_fragment
from apps.core.sites import UnknownSite, all_sites, get_site, portal

from .models import Menu, MenuItem

__all__ = [
    "MAIN_MENU",
    "MENU_FRAGMENT",
    "MenuEntry",
    "MenuLink",
    "check_levels",
    "check_target",
    "create_menu",
    "forget_menu",
    "header_links",
    "menu_links",
]

MAIN_MENU = "main"
MENU_FRAGMENT = "blog.menu"
CACHE_TTL = 300  # seconds; bounds how long a post unpublished elsewhere may stay linked
_http_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class MenuLink:
    """A link as the header shows it; ``site`` names the site whose home it is, else ""."""

    label: str
    url: str
    site: str = ""
    children: tuple["MenuLink", ...] = ()


@dataclass(frozen=True)
class MenuEntry:
    """An item to write with ``create_menu``: a label and exactly one target, and its children."""

    label: str
    site: str = ""
    post_id: int | None = None
    tag_id: int | None = None
    url: str = ""
    children: tuple["MenuEntry", ...] = ()


def check_target(*, site: str, post_id: int | None, tag_id: int | None, url: str) -> None:
    """
    Refuse an item that does not name exactly one target, an unknown site, or a URL that is not
    http(s): a ``javascript:`` or ``data:`` link in every site's header would run in our origin.
    """
    given = [bool(site), post_id is not None, tag_id is not None, bool(url)]
    if sum(given) != 1:
        raise RoseAshError(
            "menu_target", "Give the item exactly one target: a site's home, a post or page, a tag, or a URL."
        )
    if site and site not in {known.name for known in all_sites()}:
        raise RoseAshError("menu_site_unknown", f"There is no site named “{site}”.")
    if url:
        try:
            _http_url(url)
        except ValidationError:
            raise RoseAshError(
                "menu_url_refused", f"“{url}” is not a web address: an outside link starts with https:// or http://."
            ) from None


def check_levels(parents: Mapping[Hashable, Hashable | None], labels: Mapping[Hashable, str]) -> None:
    """
    Refuse a grandchild: ``parents`` maps each item of one menu to its parent (or None).

    A menu has one level of children because the header shows them as one nested list, with no
    JavaScript to open deeper ones; ``labels`` names the items in the message.
    """
    for item, parent in parents.items():
        if parent is None:
            continue
        if parent == item:
            raise RoseAshError("menu_depth", f"“{labels[item]}” cannot be under itself.")
        grandparent = parents.get(parent)
        if grandparent is not None:
            raise RoseAshError(
                "menu_depth",
                f"“{labels[item]}” cannot go under “{labels[parent]}”, which is itself under "
                f"“{labels[grandparent]}”: a menu has one level of children. Put it under a top-level item.",
            )


@transaction.atomic
def create_menu(name: str, entries: Iterable[MenuEntry]) -> Menu:
    """Write a new menu with its items in order, checked as the admin checks them."""
    if Menu.objects.filter(name=name).exists():
        raise RoseAshError("menu_exists", f"There is already a menu named “{name}”: edit it in the admin.")
    menu = Menu.objects.create(name=name)
    for order, entry in enumerate(entries):
        parent = _create_item(menu, entry, order, parent=None)
        for child_order, child in enumerate(entry.children):
            if child.children:
                raise RoseAshError("menu_depth", f"“{child.label}” has children: a menu has one level of children.")
            _create_item(menu, child, child_order, parent=parent)
    forget_menu(name)
    return menu


def _create_item(menu, entry, order, parent):
    check_target(site=entry.site, post_id=entry.post_id, tag_id=entry.tag_id, url=entry.url)
    return MenuItem.objects.create(
        menu=menu,
        parent=parent,
        label=entry.label,
        order=order,
        site=entry.site,
        post_id=entry.post_id,
        tag_id=entry.tag_id,
        url=entry.url,
    )


def menu_links(name: str) -> tuple[MenuLink, ...]:
    """Return the menu's links, top-level in order with their children; () when there is none."""
    key = _cache_key(name)
    links = cache.get(key)
    if links is None:
        links = _read(name)
        cache.set(key, links, CACHE_TTL)
    return links


def header_links() -> tuple[MenuLink, ...]:
    """Return the links of every site's header: the main menu, else the six sites' homes."""
    return menu_links(MAIN_MENU) or tuple(MenuLink(site.title, f"{site.origin}/", site.name) for site in all_sites())


def forget_menu(name: str) -> None:
    """
    Forget the menu's cached links, and every site's header when it is the main menu, once the
    change is committed: forgotten before, a request in between would cache the old menu again.
    """
    transaction.on_commit(partial(_forget, name))


def _forget(name):
    cache.delete(_cache_key(name))
    if name == MAIN_MENU:
        for site in (*all_sites(), portal()):
            forget_fragment(MENU_FRAGMENT, {"site": site.name})


def _cache_key(name):
    return f"blog:menu:{name}"


def _read(name):
    """
    Read the menu in one query, whatever its size. An item whose target is gone or not live (a
    draft, a post unpublished) is left out with its children: a visitor never follows a link to a 404.
    """
    items = list(MenuItem.objects.filter(menu__name=name).select_related("post", "tag").order_by("order", "pk"))
    now = timezone.now()
    children = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)
    links = []
    for item in items:
        if item.parent_id is not None:
            continue
        link = _link(item, now)
        if link is None:
            continue
        below = tuple(filter(None, (_link(child, now) for child in children.get(item.pk, ()))))
        links.append(MenuLink(link.label, link.url, link.site, below))
    return tuple(links)


def _link(item, now):
    if item.site:
        try:
            return MenuLink(item.label, f"{get_site(item.site).origin}/", item.site)
        except UnknownSite:  # a site taken out of settings since
            return None
    if item.post is not None:
        live = item.post.is_live and item.post.published_at <= now
        return MenuLink(item.label, item.post.get_absolute_url()) if live else None
    if item.tag is not None:
        return MenuLink(item.label, item.tag.get_absolute_url())
    if item.url:
        return MenuLink(item.label, item.url)
    return None
