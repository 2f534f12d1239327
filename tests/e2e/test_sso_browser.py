"""Single sign-on in a real browser: one sign-in for every site, one sign-out for all of them."""

import pytest

from apps.core.sites import get_site

pytestmark = pytest.mark.django_db(transaction=True)


def member_area(page):
    return page.locator("header .member")


def sign_in_as_alice(page, origin):
    """Follow the site's "Sign in" link, sign in at the federation site and land back on ``origin``."""
    page.goto(f"{origin}/")
    assert member_area(page).get_by_role("link", name="Sign in").is_visible()

    member_area(page).get_by_role("link", name="Sign in").click()
    page.wait_for_url(f"{get_site('federation').origin}/account/sign-in/**")
    page.get_by_label("Email or username").fill("alice@example.org")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{origin}/")
    assert member_area(page).inner_text().startswith("alice")


def test_sign_in_on_the_blog_is_signed_in_on_the_cart_and_sign_out_there_signs_out_the_blog(page, member):
    blog, cart = get_site("blog").origin, get_site("cart").origin

    sign_in_as_alice(page, blog)

    page.goto(f"{cart}/")
    page.wait_for_url(f"{cart}/")
    assert member_area(page).locator(".member__name").inner_text() == "alice"

    member_area(page).get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{cart}/")
    assert "You are signed out of every Rose Ash site." in page.locator(".messages").inner_text()
    assert member_area(page).get_by_role("link", name="Sign in").is_visible()

    page.goto(f"{blog}/")
    assert member_area(page).get_by_role("link", name="Sign in").is_visible()
    assert "alice" not in member_area(page).inner_text()


def test_a_member_without_staff_rights_who_opens_the_admin_is_told_so_not_sent_round_in_circles(page, member):
    market = get_site("market").origin
    sign_in_as_alice(page, market)

    response = page.goto(f"{market}/admin/")  # a redirect loop would raise net::ERR_TOO_MANY_REDIRECTS

    assert response.status == 403
    assert page.url == f"{market}/admin/login/?next=/admin/"
    assert "You are signed in as alice but do not have staff access" in page.locator("main").inner_text()
    page.locator("main").get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{market}/")
    assert member_area(page).get_by_role("link", name="Sign in").is_visible()
