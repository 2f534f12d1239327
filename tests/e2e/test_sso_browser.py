"""Single sign-on in a real browser: one sign-in for every site, one sign-out for all of them."""

import pytest

from apps.core.sites import get_site

pytestmark = pytest.mark.django_db(transaction=True)


def member_area(page):
    return page.locator("header .member")


def test_sign_in_on_the_blog_is_signed_in_on_the_cart_and_sign_out_there_signs_out_the_blog(page, member):
    blog, cart = get_site("blog").origin, get_site("cart").origin

    page.goto(f"{blog}/")
    assert member_area(page).get_by_role("link", name="Sign in").is_visible()

    member_area(page).get_by_role("link", name="Sign in").click()
    page.wait_for_url(f"{get_site('federation').origin}/account/sign-in/**")
    page.get_by_label("Email or username").fill("alice@example.org")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{blog}/")
    assert member_area(page).inner_text().startswith("alice")

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
