"""Optional slots for other sites' fragments: shown when they can be had, left empty soon otherwise."""

import time

import pytest
from django.test import RequestFactory
from werkzeug import Response

from apps.account.models import Newsletter
from apps.core.pages import fragments
from apps.core.pages.fragments import SIGNATURE_HEADER, fragment
from apps.core.pages.slots import render_slot
from apps.market import services as market
from tests.dripping import dripping_server

pytestmark = pytest.mark.django_db

rendered = []


@fragment("events.tests_slot", ttl=60)
def in_process(context):
    rendered.append(1)
    return "<p>Thursday: cider pressing</p>"


@fragment("events.tests_broken", ttl=60)
def broken(context):
    raise RuntimeError("the events database is away")


@pytest.fixture
def request_():
    request = RequestFactory().get("/", HTTP_HOST="blog.localhost")
    request.user = type("Visitor", (), {"is_authenticated": False, "pk": None})()
    request.site_name = "blog"
    return request


@pytest.fixture
def remote_events(settings):
    """The events site runs in another process: its fragments come over HTTP to ``ROSEASH_INTERNAL_URL``."""
    settings.ROSEASH_REMOTE_FRAGMENTS = {"events"}
    settings.ROSEASH_FRAGMENT_TIMEOUT = 0.5

    def served_at(url):
        settings.ROSEASH_INTERNAL_URL = url.rstrip("/")

    return served_at


def test_a_fragment_of_this_process_is_rendered_in_process(request_):
    rendered.clear()
    assert render_slot("events.tests_slot", request_) == "<p>Thursday: cider pressing</p>"
    assert rendered == [1]


def test_a_fragment_no_site_registered_leaves_its_slot_empty(request_):
    assert render_slot("events.not_built_yet", request_) == ""


def test_a_failing_fragment_leaves_its_slot_empty_even_in_debug(request_, settings, caplog):
    settings.DEBUG = True

    assert render_slot("events.tests_broken", request_) == ""
    assert "events.tests_broken left out" in caplog.text


def test_a_remote_sites_fragment_is_fetched_signed_and_kept(request_, remote_events, httpserver):
    httpserver.expect_request("/internal/fragments/events.tests_slot").respond_with_handler(
        lambda request: Response(
            "<p>From the events process</p>" if request.headers.get(SIGNATURE_HEADER) else "unsigned",
            content_type="text/html",
        )
    )
    remote_events(httpserver.url_for("/"))
    rendered.clear()

    first = render_slot("events.tests_slot", request_)
    second = render_slot("events.tests_slot", request_)

    assert first == second == "<p>From the events process</p>"
    assert len(httpserver.log) == 1  # the second from the cache
    assert httpserver.log[0][0].headers["Host"] == "events.localhost"
    assert rendered == []  # not rendered here


def test_a_slow_remote_site_leaves_its_slot_empty_within_the_timeout(request_, remote_events):
    with dripping_server(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n", b"<p>") as port:
        remote_events(f"http://127.0.0.1:{port}")
        started = time.monotonic()
        html = render_slot("events.tests_slot", request_)
        elapsed = time.monotonic() - started

    assert html == ""
    assert elapsed < 1.5


def test_a_remote_site_that_is_down_or_fails_leaves_its_slot_empty_and_is_not_asked_again_at_once(
    request_, remote_events, httpserver
):
    httpserver.expect_request("/internal/fragments/events.tests_slot").respond_with_data("boom", status=500)
    remote_events(httpserver.url_for("/"))

    assert render_slot("events.tests_slot", request_) == ""
    assert render_slot("events.tests_slot", request_) == ""
    assert len(httpserver.log) == 1

    fragments.forget_fragment("events.tests_slot", {})
    remote_events("http://127.0.0.1:9")  # nothing listens on the discard port
    assert render_slot("events.tests_slot", request_) == ""


@pytest.fixture
def featured_product():
    producer = market.create_producer(name="Orchard Folk")
    category = market.create_category(name="Fruit")
    product = market.create_product(producer=producer, category=category, name="Bramley apples", featured=True)
    market.add_variant(product, name="1 kg", sku="BR-1", price="3.00")
    return product


@pytest.mark.usefixtures("featured_product")
def test_the_blog_home_shows_the_markets_featured_products(site_client):
    page = site_client("blog").get("/").content.decode()

    assert "From the market" in page
    assert "Bramley apples" in page
    assert 'href="http://market.localhost/products/bramley-apples/"' in page


@pytest.mark.usefixtures("featured_product")
def test_the_blog_home_answers_without_the_market_when_the_market_is_down(site_client, remote_events, settings):
    settings.ROSEASH_REMOTE_FRAGMENTS = {"market"}
    remote_events("http://127.0.0.1:9")

    response = site_client("blog").get("/")

    assert response.status_code == 200
    assert "From the market" not in response.content.decode()


def test_every_sites_footer_offers_the_newsletter_signup_but_the_account_sites_own(site_client):
    Newsletter.objects.create(name="Orchard news", slug="orchard-news")

    assert "Orchard news" in site_client("blog").get("/").content.decode().split('class="footer"')[1]
    assert "Orchard news" in site_client("market").get("/").content.decode().split('class="footer"')[1]
    assert "Orchard news" not in site_client("account").get("/").content.decode().split('class="footer"')[1]
