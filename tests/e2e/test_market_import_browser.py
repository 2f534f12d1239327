"""
Importing a product in a real browser: a staff member signs in on the market site, previews a
producer's shop page (served on loopback), imports it, and a visitor finds the product on the
market with its photo, under the strict Content-Security-Policy.
"""

import pytest

from apps.core.sites import get_site
from apps.market.models import Product
from tests.e2e.test_blog_editor import sign_in_as_steward
from tests.e2e.test_csp_browser import violations  # noqa: F401 (the fixture recording CSP violations)
from tests.market.conftest import polite_settings, shop  # noqa: F401 (the shop on loopback)

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_preview_and_import_a_shop_page_and_a_visitor_sees_the_product(page, violations, steward, shop):  # noqa: F811
    market = get_site("market").origin
    url = shop.page("/products/heather-honey", "product_group.html")
    shop.photo("/images/heather.png")

    page.goto(f"{market}/staff/import/")
    sign_in_as_steward(page, f"{market}/staff/import/")
    page.get_by_label("Page address").fill(url)
    page.get_by_role("button", name="Preview").click()

    preview = page.locator(".market-import__preview")
    preview.wait_for()
    assert preview.get_by_role("heading", name="Heather Honey").is_visible()
    assert preview.locator("tbody tr").all_inner_texts() == [
        "227 g\tHA-HTH-227\t8.40 EUR\tyes",
        "454 g\tHA-HTH-454\t14.40 EUR\tno",
    ]
    assert "Hillside Apiary (new: it will be created)" in preview.inner_text()
    assert Product.objects.count() == 0

    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"{market}/staff/import/")
    assert "“Heather Honey” is imported." in page.locator(".messages").inner_text()

    visitor = page.context.browser.new_context().new_page()
    visitor.goto(f"{market}/products/heather-honey/")
    assert visitor.get_by_role("heading", name="Heather Honey").is_visible()
    assert visitor.locator("#price").inner_text().startswith("8.40 EUR")
    assert visitor.locator("img[src*='/media/market/']").count() >= 1
    assert violations == []
