import pytest
from django.contrib.sites.models import Site
from django.contrib.sites.shortcuts import get_current_site
from django.template import Context, Template
from django.test import RequestFactory

from apps.core.site_rows import sync_site_rows
from apps.core.sites import (
    UnknownSite,
    all_sites,
    get_site,
    internal_request_target,
    site_for_host,
    site_url,
)

SITES = ("blog", "market", "cart", "events", "account", "federation")


@pytest.mark.django_db
@pytest.mark.parametrize("site", SITES)
def test_each_host_is_served_by_its_own_urlconf(site_client, site):
    response = site_client(site).get("/")

    assert response.status_code == 200
    assert response.wsgi_request.urlconf == f"roseash.urls.{site}"
    assert response.resolver_match.view_name == f"{site}:home"


@pytest.mark.django_db
def test_a_site_does_not_serve_another_sites_routes(site_client, settings):
    # The portal's own route name exists only in the portal's URLconf.
    response = site_client("blog").get("/", HTTP_HOST="localhost")
    assert response.resolver_match.view_name == "portal"
    assert site_client("blog").get("/").resolver_match.view_name == "blog:home"


@pytest.mark.django_db
def test_the_portal_lists_the_six_sites(client):
    response = client.get("/", HTTP_HOST="localhost")

    assert response.status_code == 200
    html = response.content.decode()
    for site in SITES:
        assert f'href="http://{site}.localhost/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["evil.example", "shop.localhost", "localhost.evil.example", "testserver"])
def test_an_unknown_host_gets_400(client, host):
    assert client.get("/", HTTP_HOST=host).status_code == 400


@pytest.mark.django_db
def test_an_allowed_host_that_is_no_site_gets_400_with_a_reason(client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "spare.localhost"]

    response = client.get("/", HTTP_HOST="spare.localhost")

    assert response.status_code == 400
    assert b"Unknown host" in response.content


def test_host_lookup_ignores_port_and_case():
    assert site_for_host("Blog.LOCALHOST:8000").name == "blog"
    assert site_for_host("localhost").is_portal
    assert site_for_host("blog.localhost.evil.example") is None


def test_site_url_builds_absolute_urls_with_the_dev_port(settings):
    settings.ROSEASH_PORT = "8000"

    assert site_url("cart", "cart:home") == "http://cart.localhost:8000/"
    assert site_url("events", "events:home", query={"when": "soon"}) == "http://events.localhost:8000/?when=soon"


def test_site_url_follows_the_configured_domain_and_scheme(settings):
    settings.ROSEASH_DOMAIN = "coop.example.org"
    settings.ROSEASH_SCHEME = "https"
    settings.ROSEASH_PORT = "443"

    assert site_url("market", "market:home") == "https://market.coop.example.org/"
    assert [site.host for site in all_sites()][:2] == ["blog.coop.example.org", "market.coop.example.org"]


def test_an_unknown_site_name_says_which_exist():
    with pytest.raises(UnknownSite, match="the sites are blog, market"):
        get_site("shop")


def test_the_site_url_tag_links_to_another_sites_route(settings):
    settings.ROSEASH_PORT = "8000"
    template = Template('{% site_url "account" "account:home" %}|{% site_url "blog" "blog:home" as url %}[{{ url }}]')

    assert template.render(Context()) == "http://account.localhost:8000/|[http://blog.localhost:8000/]"


def test_internal_requests_go_to_the_internal_url_with_the_public_host(settings):
    settings.ROSEASH_PORT = "8000"
    settings.ROSEASH_INTERNAL_URL = "http://127.0.0.1:8000"

    url, headers = internal_request_target("http://federation.localhost:8000/o/token/?x=1")

    assert url == "http://127.0.0.1:8000/o/token/?x=1"
    assert headers == {"Host": "federation.localhost:8000", "X-Forwarded-Proto": "http"}


@pytest.mark.parametrize(
    ("port", "url"),
    [
        ("", "http://blog.localhost/x"),
        ("", "http://BLOG.localhost:80/x"),
        ("", "http://localhost/x"),
        ("8000", "http://localhost:8000/x"),
        ("8000", "http://market.localhost:8000/x"),
    ],
)
def test_our_public_origin_is_rerouted_on_the_port_we_serve_on(settings, port, url):
    settings.ROSEASH_PORT = port
    settings.ROSEASH_INTERNAL_URL = "http://127.0.0.1:8000"

    rerouted, headers = internal_request_target(url)

    assert rerouted == "http://127.0.0.1:8000/x"
    assert headers["Host"] == url.split("/")[2]


@pytest.mark.parametrize(
    ("port", "url"),
    [
        ("", "http://localhost:5432/x"),  # our host name, another server
        ("", "http://blog.localhost:8000/x"),  # we serve on 80 when no port is set
        ("8000", "http://blog.localhost/x"),
        ("8000", "http://blog.localhost:9999/x"),
        ("8000", "https://blog.localhost:8000/x"),  # we serve http
        ("8000", "http://user@blog.localhost:8000/x"),
        ("8000", "http://blog.localhost:99999/x"),
        ("8000", "http://blog.localhost:eighty/x"),
        ("8000", "http://blog.localhost:0/x"),
    ],
)
def test_our_host_names_on_another_port_or_scheme_are_not_rerouted(settings, port, url):
    settings.ROSEASH_PORT = port
    settings.ROSEASH_INTERNAL_URL = "http://127.0.0.1:8000"

    assert internal_request_target(url) == (url, {})


def test_the_default_port_of_https_is_ours_when_we_serve_https(settings):
    settings.ROSEASH_SCHEME = "https"
    settings.ROSEASH_PORT = ""
    settings.ROSEASH_INTERNAL_URL = "http://web:8000"

    assert internal_request_target("https://cart.localhost:443/x")[0] == "http://web:8000/x"
    assert internal_request_target("https://cart.localhost/x")[1]["X-Forwarded-Proto"] == "https"
    assert internal_request_target("https://cart.localhost:80/x") == ("https://cart.localhost:80/x", {})


def test_outside_urls_are_never_rerouted(settings):
    settings.ROSEASH_INTERNAL_URL = "http://127.0.0.1:8000"

    assert internal_request_target("https://mastodon.example/users/a") == ("https://mastodon.example/users/a", {})


def test_without_an_internal_url_requests_go_where_they_point(settings):
    settings.ROSEASH_INTERNAL_URL = ""

    assert internal_request_target("http://blog.localhost/x") == ("http://blog.localhost/x", {})


@pytest.mark.django_db
def test_site_rows_follow_the_configured_domain(settings):
    assert set(Site.objects.values_list("domain", flat=True)) >= {"localhost", "blog.localhost"}

    settings.ROSEASH_DOMAIN = "coop.example.org"
    settings.ALLOWED_HOSTS = ["cart.coop.example.org"]
    sync_site_rows()

    assert Site.objects.get(pk=1).domain == "coop.example.org"
    assert Site.objects.get(pk=4).domain == "cart.coop.example.org"
    request = RequestFactory().get("/", HTTP_HOST="cart.coop.example.org")
    assert get_current_site(request).name == "Cart"


@pytest.mark.django_db
@pytest.mark.parametrize("site", [*SITES, ""])
def test_admin_is_reachable_on_every_host(client, steward, site):
    client.force_login(steward)
    host = get_site(site).host

    response = client.get("/admin/", HTTP_HOST=host)

    assert response.status_code == 200
    assert b"Site administration" in response.content
