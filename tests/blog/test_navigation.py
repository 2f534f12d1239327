"""The cooperative's navigation: the main menu in every site's header, edited by staff in the admin."""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.blog import navigation, services
from apps.blog.models import Menu, MenuItem
from apps.blog.navigation import MenuEntry
from apps.core.errors import RoseAshError
from apps.core.pages.fragments import FragmentContext, render_fragment

pytestmark = pytest.mark.django_db

MENUS = "/admin/blog/menu/"


def header_nav(response):
    """Return the header's ``<nav>`` of a page, the only place these tests look."""
    assert response.status_code == 200
    return re.search(r'<nav class="sites".*?</nav>', response.content.decode(), re.S).group(0)


@pytest.fixture
def about_page():
    page = services.create_post(title="About the cooperative", slug="about", body="<p>Us.</p>", is_page=True)
    return services.publish_post(page.pk)


@pytest.fixture
def main_menu(about_page, published_post):
    harvest = services.tag_named("Harvest")
    return navigation.create_menu(
        "main",
        [
            MenuEntry(
                "Writing",
                site="blog",
                children=(
                    MenuEntry("About us", post_id=about_page.pk),
                    MenuEntry("Harvest news", tag_id=harvest.pk),
                    MenuEntry("Apples", post_id=published_post.pk),
                ),
            ),
            MenuEntry("Shop", site="market"),
            MenuEntry("Social", site="federation"),
            MenuEntry("Our code", url="https://git.example.org/rose-ash"),
        ],
    )


@pytest.fixture
def admin_client(site_client, steward):
    return site_client("blog", signed_in=steward)


@pytest.mark.parametrize(("site", "current"), [("blog", "Writing"), ("market", "Shop"), ("federation", "Social")])
def test_every_sites_header_shows_the_main_menu_with_the_current_site_marked(site_client, main_menu, site, current):
    nav = header_nav(site_client(site).get("/"))

    assert f'<a href="http://{site}.localhost/" aria-current="page">{current}</a>' in nav
    assert nav.count("aria-current") == 1
    assert '<a href="https://git.example.org/rose-ash">Our code</a>' in nav
    # Children are a list inside their parent's item: reachable by keyboard, no script to open them.
    writing = re.search(r"<li><a [^>]*>Writing</a>\s*<ul>(.*?)</ul>\s*</li>", nav, re.S).group(1)
    assert re.findall(r">([^<>]+)</a>", writing) == ["About us", "Harvest news", "Apples"]
    assert "Cart" not in nav


def test_links_go_to_the_targets_own_addresses(main_menu, about_page, published_post):
    links = navigation.header_links()

    writing = links[0]
    assert [link.label for link in links] == ["Writing", "Shop", "Social", "Our code"]
    assert [child.url for child in writing.children] == [
        about_page.get_absolute_url(),
        services.tag_named("Harvest").get_absolute_url(),
        published_post.get_absolute_url(),
    ]


def test_without_a_menu_every_header_links_to_the_six_sites(site_client):
    nav = header_nav(site_client("market").get("/"))

    assert re.findall(r'<a href="http://(\w+)\.localhost/"', nav) == [
        "blog",
        "market",
        "cart",
        "events",
        "account",
        "federation",
    ]
    assert '<a href="http://market.localhost/" aria-current="page">Market</a>' in nav


def test_a_menu_with_nothing_live_to_show_falls_back_to_the_six_sites(site_client):
    draft = services.create_post(title="Not yet", body="<p>Soon.</p>")
    navigation.create_menu("main", [MenuEntry("Coming soon", post_id=draft.pk)])

    nav = header_nav(site_client("blog").get("/"))

    assert "Coming soon" not in nav
    assert nav.count('<li><a href="http://') == 6


def test_an_item_whose_post_is_not_live_is_left_out_with_its_children(main_menu, about_page):
    services.unpublish_post(about_page.pk)
    cache.clear()  # what the TTL does: nobody tells the menu that a page was unpublished

    assert [child.label for child in navigation.header_links()[0].children] == ["Harvest news", "Apples"]

    draft = services.create_post(title="Draft", body="<p>Soon.</p>", is_page=True)
    MenuItem.objects.filter(label="Writing").update(site="", post=draft)
    cache.clear()

    assert [link.label for link in navigation.header_links()] == ["Shop", "Social", "Our code"]


def test_an_item_whose_post_is_deleted_stays_for_staff_to_point_elsewhere(main_menu, about_page):
    services.delete_post(about_page.pk)
    cache.clear()

    assert MenuItem.objects.filter(label="About us", post=None).exists()
    assert [child.label for child in navigation.header_links()[0].children] == ["Harvest news", "Apples"]


def test_the_menu_costs_one_query_whatever_its_size():
    def queries_for(count):
        Menu.objects.all().delete()
        navigation.create_menu(
            "main",
            [
                MenuEntry(f"Site {n}", site="blog", children=(MenuEntry(f"Out {n}", url=f"https://example.org/{n}"),))
                for n in range(count)
            ],
        )
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            html = render_fragment(navigation.MENU_FRAGMENT, FragmentContext({"site": "blog"}))
        assert html.count("<li>") == 2 * count
        return [query["sql"] for query in queries.captured_queries]

    small, large = queries_for(2), queries_for(40)
    assert len(small) == len(large) == 1, large


def test_the_header_is_cached_until_staff_save_the_menu_in_the_admin(
    site_client, admin_client, main_menu, django_capture_on_commit_callbacks
):
    market = site_client("market")
    assert ">Shop</a>" in header_nav(market.get("/"))
    shop = MenuItem.objects.get(label="Shop")
    MenuItem.objects.filter(pk=shop.pk).update(label="Behind the admin's back")
    assert ">Shop</a>" in header_nav(market.get("/"))  # cached: nobody said the menu changed

    with django_capture_on_commit_callbacks(execute=True) as forgetting:
        response = admin_client.post(
            f"{MENUS}{main_menu.pk}/change/", menu_form(main_menu, {shop.pk: {"label": "Market"}})
        )
        assert ">Shop</a>" in header_nav(market.get("/"))  # not before the save is committed

    assert response.status_code == 302, errors(response)
    assert forgetting
    nav = header_nav(market.get("/"))
    assert '<a href="http://market.localhost/" aria-current="page">Market</a>' in nav
    assert "Shop" not in nav


def test_staff_deleting_the_main_menu_brings_back_the_six_sites(
    site_client, admin_client, main_menu, django_capture_on_commit_callbacks
):
    cart = site_client("cart")
    assert "Shop" in header_nav(cart.get("/"))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{MENUS}{main_menu.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    nav = header_nav(cart.get("/"))
    assert "Shop" not in nav
    assert '<a href="http://cart.localhost/" aria-current="page">Cart</a>' in nav


def test_staff_add_a_menu_with_a_child_in_two_saves(site_client, admin_client):
    added = admin_client.post(
        f"{MENUS}add/",
        {
            **management(0, total=2),
            "name": "main",
            **item(0, label="Events", order=0, site="events"),
            **item(1, label="Blog", order=1, site="blog"),
        },
    )
    assert added.status_code == 302, errors(added)
    menu = Menu.objects.get(name="main")
    blog = menu.items.get(label="Blog")

    changed = admin_client.post(
        f"{MENUS}{menu.pk}/change/",
        menu_form(menu, new=[{"label": "Partners", "url": "https://coop.example/", "parent": blog.pk}]),
    )

    assert changed.status_code == 302, errors(changed)
    nav = header_nav(site_client("events").get("/"))
    assert re.findall(r">([^<>]+)</a>", nav) == ["Events", "Blog", "Partners"]
    assert '<a href="http://events.localhost/" aria-current="page">Events</a>' in nav


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "javascript:alert(document.cookie)"}, "is not a web address"),
        ({"url": "data:text/html,<script>alert(1)</script>"}, "is not a web address"),
        ({"url": "ftp://files.example.org/"}, "is not a web address"),
        ({}, "exactly one target"),
        ({"url": "https://example.org/", "site": "market"}, "exactly one target"),
    ],
)
def test_the_admin_refuses_a_link_that_is_not_one_web_target(admin_client, main_menu, fields, message):
    before = list(MenuItem.objects.values_list("label", "url"))

    response = admin_client.post(
        f"{MENUS}{main_menu.pk}/change/", menu_form(main_menu, new=[{"label": "Sneaky", **fields}])
    )

    assert response.status_code == 200
    assert message in errors(response)
    assert list(MenuItem.objects.values_list("label", "url")) == before


def test_an_items_parent_is_chosen_among_this_menus_items_only(admin_client, main_menu):
    footer = navigation.create_menu("footer", [MenuEntry("Imprint", url="https://example.org/imprint")])

    page = admin_client.get(f"{MENUS}{main_menu.pk}/change/").content.decode()

    assert admin_client.get(f"{MENUS}add/").status_code == 200
    assert ">Writing</option>" in page
    assert ">Imprint</option>" not in page
    imprint = footer.items.get()
    response = admin_client.post(
        f"{MENUS}{main_menu.pk}/change/",
        menu_form(main_menu, new=[{"label": "Stray", "site": "cart", "parent": imprint.pk}]),
    )
    assert "Select a valid choice" in errors(response)


def test_the_admin_refuses_a_grandchild(admin_client, main_menu):
    about = MenuItem.objects.get(label="About us")

    response = admin_client.post(
        f"{MENUS}{main_menu.pk}/change/",
        menu_form(main_menu, new=[{"label": "Deeper", "site": "cart", "parent": about.pk}]),
    )

    assert response.status_code == 200
    assert "“Deeper” cannot go under “About us”, which is itself under “Writing”" in errors(response)
    assert not MenuItem.objects.filter(label="Deeper").exists()


def test_the_admin_refuses_to_put_a_parent_under_another_item(admin_client, main_menu):
    shop = MenuItem.objects.get(label="Shop")
    writing = MenuItem.objects.get(label="Writing")

    response = admin_client.post(
        f"{MENUS}{main_menu.pk}/change/", menu_form(main_menu, {writing.pk: {"parent": shop.pk}})
    )

    assert response.status_code == 200
    assert "which is itself under “Shop”" in errors(response)
    assert MenuItem.objects.get(pk=writing.pk).parent is None


def test_the_admin_refuses_to_delete_a_parent_and_keep_its_children(admin_client, main_menu):
    writing = MenuItem.objects.get(label="Writing")

    response = admin_client.post(f"{MENUS}{main_menu.pk}/change/", menu_form(main_menu, {writing.pk: {"DELETE": "on"}}))

    assert response.status_code == 200
    assert "which you are deleting: delete it too or move it" in errors(response)
    assert MenuItem.objects.filter(menu=main_menu).count() == 7


def test_the_service_refuses_what_the_admin_refuses():
    with pytest.raises(RoseAshError, match="not a web address"):
        navigation.check_target(site="", post_id=None, tag_id=None, url="javascript:alert(1)")
    with pytest.raises(RoseAshError, match="no site named"):
        navigation.check_target(site="casino", post_id=None, tag_id=None, url="")
    with pytest.raises(RoseAshError, match="one level of children"):
        navigation.create_menu(
            "footer",
            [
                MenuEntry(
                    "A", site="blog", children=(MenuEntry("B", site="cart", children=(MenuEntry("C", site="events"),)),)
                )
            ],
        )
    assert not Menu.objects.filter(name="footer").exists()


def test_seed_demo_creates_the_main_menu_once(settings, site_client):
    settings.DEBUG = True  # demo data is for development servers
    call_command("seed_demo")
    items = list(MenuItem.objects.values_list("label", "parent__label", "order"))
    call_command("seed_demo")

    assert Menu.objects.get().name == "main"
    assert list(MenuItem.objects.values_list("label", "parent__label", "order")) == items
    nav = header_nav(site_client("events").get("/"))
    assert '<a href="http://events.localhost/" aria-current="page">Events</a>' in nav
    assert ">About the cooperative</a>" in nav
    assert ">Harvest news</a>" in nav


# The admin's change form, as a browser would post it.

ITEM_FIELDS = ("label", "order", "parent", "site", "post", "tag", "url")


def management(initial, total):
    return {
        "items-TOTAL_FORMS": str(total),
        "items-INITIAL_FORMS": str(initial),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }


def item(index, **fields):
    return {f"items-{index}-{name}": "" if value is None else str(value) for name, value in fields.items()}


def menu_form(menu, changes=None, new=()):
    """Return the change form of ``menu`` with its items as saved, ``changes`` by item id, and ``new`` items."""
    changes = changes or {}
    existing = list(menu.items.order_by("order", "pk"))
    data = {"name": menu.name, **management(len(existing), len(existing) + len(new))}
    for index, row in enumerate(existing):
        fields = {
            name: getattr(row, f"{name}_id" if name in ("parent", "post", "tag") else name) for name in ITEM_FIELDS
        }
        data |= item(index, id=row.pk, menu=menu.pk, **(fields | changes.get(row.pk, {})))
    for index, fields in enumerate(new, start=len(existing)):
        data |= item(index, menu=menu.pk, order=99, **fields)
    return data


def errors(response):
    """Return the error lists of an admin page, to read in an assertion."""
    html = response.content.decode()
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)) or html[:2000]
