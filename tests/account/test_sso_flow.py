"""The whole code flow across hosts against a live server, with a cookie-keeping client as the browser."""

import pytest

from apps.account.models import SSOSession

pytestmark = pytest.mark.django_db(transaction=True)


PASSWORD = "a-long-pass-phrase"


def sign_in_on(browser, origin, site, login="alice", password=PASSWORD):
    """Start on ``site``'s sign-in link, type the password at the federation site, come back."""
    page = browser.visit(f"{origin(site)}/auth/login?next=/")
    assert page.url.startswith(f"{origin('federation')}/account/sign-in/"), page.url
    return browser.submit(page, {"username": login, "password": password})


def test_code_flow_signs_in_on_the_client_host_only(browser, origin, member):
    landed = sign_in_on(browser, origin, "blog")

    assert landed.status_code == 200
    assert landed.url == f"{origin('blog')}/"
    assert ">alice<" in landed.text
    assert "Signed in as alice." in landed.text
    # Each site keeps its own host-only session: the blog and the federation site, nobody else.
    assert browser.cookie_hosts("sessionid") == {"blog.localhost", "federation.localhost"}
    sso = SSOSession.objects.get(user=member)
    assert sso.is_alive


def test_silent_sign_in_on_a_third_host(browser, origin, member):
    sign_in_on(browser, origin, "blog")

    page = browser.visit(f"{origin('cart')}/")

    assert page.url == f"{origin('cart')}/"
    assert ">alice<" in page.text
    assert [step.url.split("?")[0] for step in page.history] == [
        f"{origin('cart')}/",
        f"{origin('cart')}/auth/login",
        f"{origin('federation')}/o/authorize/",
        f"{origin('cart')}/auth/callback",
    ]
    assert "cart.localhost" in browser.cookie_hosts("sessionid")


def test_silent_sign_in_leaves_a_visitor_a_visitor(browser, origin, member):
    page = browser.visit(f"{origin('events')}/")

    assert page.url == f"{origin('events')}/"
    assert "Sign in" in page.text
    assert ">alice<" not in page.text
    assert [step.url.split("?")[0] for step in page.history] == [
        f"{origin('events')}/",
        f"{origin('events')}/auth/login",
        f"{origin('federation')}/o/authorize/",
        f"{origin('events')}/auth/callback",
    ]
    # The check is made once, not on every page.
    again = browser.visit(f"{origin('events')}/")
    assert again.history == []


def test_sign_out_on_one_site_signs_out_everywhere(browser, origin, member):
    sign_in_on(browser, origin, "blog")
    cart = browser.visit(f"{origin('cart')}/")
    assert ">alice<" in cart.text

    signed_out = browser.submit(cart, {})

    assert signed_out.url == f"{origin('cart')}/"
    assert "You are signed out of every Rose Ash site." in signed_out.text
    assert f"{origin('federation')}/o/logout/" in [step.url.split("?")[0] for step in signed_out.history]
    assert not SSOSession.objects.get(user=member).is_alive
    for site in ("blog", "cart", "federation"):
        page = browser.get(f"{origin(site)}/")
        assert ">alice<" not in page.text, site
        assert "Sign in" in page.text, site


def test_signing_in_again_after_signing_out_asks_for_the_password(browser, origin, member):
    sign_in_on(browser, origin, "blog")
    browser.submit(browser.get(f"{origin('blog')}/"), {})

    page = browser.visit(f"{origin('market')}/auth/login?next=/")

    assert page.url.startswith(f"{origin('federation')}/account/sign-in/")
