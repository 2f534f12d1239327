"""RSS and Atom feeds, the sitemap and robots.txt, read as the programs that fetch them would."""

import xml.etree.ElementTree as ET

import pytest

from apps.blog import services

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def xml(response):
    """Return the root element of one of our own responses (trusted: S314 guards against others')."""
    return ET.fromstring(response.content)  # noqa: S314


@pytest.fixture
def blog(site_client):
    return site_client("blog")


@pytest.fixture
def posts(published_post):
    other = services.publish_post(
        services.create_post(title="Bread & butter", body="<p>Sourdough</p>", tags=["Bakery"]).pk
    )
    services.create_post(title="Draft")
    services.publish_post(services.create_post(title="Contact", is_page=True).pk)
    return [published_post, other]


def test_the_rss_feed_lists_live_posts_newest_first(blog, posts):
    response = blog.get("/feed/rss/")

    assert response["Content-Type"].startswith("application/rss+xml")
    channel = xml(response).find("channel")
    items = channel.findall("item")
    assert channel.findtext("link") == "http://blog.localhost/"
    assert [item.findtext("title") for item in items] == ["Bread & butter", "Apple harvest"]
    assert items[1].findtext("link") == "http://blog.localhost/posts/apple-harvest/"
    assert items[1].findtext("description") == "<p>We picked forty crates.</p>"
    assert items[1].findtext("category") == "Harvest"


def test_the_atom_feed_lists_live_posts(blog, posts):
    response = blog.get("/feed/atom/")

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = xml(response)
    entries = feed.findall(f"{ATOM}entry")
    assert feed.tag == f"{ATOM}feed"
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Bread & butter", "Apple harvest"]
    assert entries[1].find(f"{ATOM}link").get("href") == "http://blog.localhost/posts/apple-harvest/"
    assert entries[1].find(f"{ATOM}author").findtext(f"{ATOM}name") == "alice"


@pytest.mark.parametrize(
    ("path", "parse"),
    [("rss", lambda root: root.find("channel").findall("item")), ("atom", lambda root: root.findall(f"{ATOM}entry"))],
)
def test_a_tags_feeds_list_only_its_posts(blog, posts, path, parse):
    items = parse(xml(blog.get(f"/tags/bakery/feed/{path}/")))

    assert len(items) == 1
    assert blog.get(f"/tags/unknown/feed/{path}/").status_code == 404


def test_the_sitemap_lists_live_posts_and_pages_and_robots_names_it(blog, posts):
    sitemap = xml(blog.get("/sitemap.xml"))
    robots = blog.get("/robots.txt")

    locations = [url.findtext(f"{SITEMAP}loc") for url in sitemap.findall(f"{SITEMAP}url")]
    assert locations == [
        "http://blog.localhost/",
        "http://blog.localhost/posts/apple-harvest/",
        "http://blog.localhost/posts/bread-butter/",
        "http://blog.localhost/pages/contact/",
    ]
    assert robots["Content-Type"] == "text/plain"
    assert robots.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /preview/",
        "Sitemap: http://blog.localhost/sitemap.xml",
    ]
