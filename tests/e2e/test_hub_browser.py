"""The social hub in a real browser: sign in, follow a site, write a post, read both in the home timeline."""

import os

import pytest

from apps.core.sites import get_site
from apps.federation import actors
from apps.federation.models import Follow, Note
from tests.federation.hubdata import site_note

pytestmark = pytest.mark.django_db(transaction=True)

# Set ROSEASH_SCREENSHOTS to a folder to keep what the browser showed at each step.
SCREENSHOTS = os.environ.get("ROSEASH_SCREENSHOTS")


def snap(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"hub-{name}.png"), full_page=True)


def test_a_member_signs_in_follows_the_blog_posts_and_sees_both_in_the_home_timeline(page, member):
    hub = get_site("federation").origin
    blog = actors.site_actor("blog")
    site_note("blog", "The spring market opens on Saturday.")

    page.goto(f"{hub}/")
    snap(page, "1-visitor")
    page.get_by_role("link", name="Sign in to your social home").click()
    page.wait_for_url(f"{hub}/account/sign-in/**")
    page.get_by_label("Email or username").fill("alice@example.org")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{hub}/")
    assert page.get_by_role("heading", name="Home").is_visible()
    assert "The spring market" not in page.locator("main").inner_text()

    hub_nav = page.get_by_role("navigation", name="Social hub")
    hub_nav.get_by_role("link", name="Follow someone").click()
    page.get_by_label("Handle or actor URL").fill(f"@{blog.handle}")
    page.get_by_role("button", name="Follow").click()
    page.wait_for_url(f"{hub}/following")
    assert f"You follow @{blog.handle}." in page.locator(".messages").inner_text()
    assert page.get_by_role("link", name=blog.handle).is_visible()
    assert Follow.objects.get(follower_member=member).state == Follow.State.ACCEPTED

    hub_nav.get_by_role("link", name="Home").click()
    page.wait_for_url(f"{hub}/")
    assert "The spring market opens on Saturday." in page.locator(".timeline").inner_text()

    page.get_by_label("Post:", exact=True).fill("Who is coming to the market?")
    page.get_by_label("Content warning").fill("A question")
    page.get_by_label("Followers only").check()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"{hub}/")
    assert "Your post is published." in page.locator(".messages").inner_text()

    mine = page.locator(".note").first
    assert mine.locator(".note__author").inner_text() == "alice"
    assert mine.locator(".note__visibility").inner_text() == "followers only"
    assert not mine.get_by_text("Who is coming to the market?").is_visible()  # behind its content warning
    mine.get_by_text("A question").click()
    assert mine.get_by_text("Who is coming to the market?").is_visible()
    snap(page, "2-home")
    assert Note.objects.get(author_member=member).visibility == "followers"

    page.locator(".note").nth(1).get_by_role("button", name="Like").click()
    page.wait_for_url(f"{hub}/")
    assert page.locator(".note").nth(1).get_by_role("button", name="Unlike 1").is_visible()
    snap(page, "3-liked")
