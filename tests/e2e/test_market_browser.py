"""The market in headless Chromium: a visitor's way to a product, and the API docs under the site's policy."""

import re

import pytest
from django.core.management import call_command

from apps.core.sites import get_site

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_market(settings):
    settings.DEBUG = True  # seed_demo is for development servers
    call_command("seed_demo", verbosity=0)


@pytest.mark.usefixtures("demo_market")
def test_a_visitor_filters_by_category_opens_a_product_and_picks_a_variant(page):
    market = get_site("market").origin
    page.goto(f"{market}/products/")
    page.select_option("#id_category", "cheese")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"category=cheese"))

    cards = page.locator(".product-card h3 a")
    assert cards.all_inner_texts() == ["Millbrook tomme"]
    cards.first.click()
    page.wait_for_url(f"{market}/products/millbrook-tomme/")
    assert page.locator("#price").inner_text().startswith("6.54 EUR")

    page.get_by_role("link", name="500 g").click()
    page.wait_for_url(re.compile(r"variant=MD-TO-500"))
    assert page.locator("#price").inner_text().startswith("12.45 EUR")
    assert page.locator(".variants [aria-current]").inner_text() == "500 g"
    assert page.get_by_role("button", name="Add to cart").is_enabled()  # 8 in stock; tests/e2e/test_cart_browser buys


@pytest.mark.usefixtures("demo_market")
def test_the_api_docs_work_under_the_sites_content_security_policy(page):
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )

    page.goto(f"{get_site('market').origin}/api/docs/")

    page.locator(".opblock-summary-path", has_text="/api/products/").first.wait_for()
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Rose Ash Market API")
    assert refused == []
