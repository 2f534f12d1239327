"""
The staff editor in a real browser: a staff member signs in, writes a post with a picture and
publishes it; a visitor then finds it on the blog's home page and in its RSS feed. Under the strict
Content-Security-Policy, with no violation reported on the way.
"""

import io
import re

import pytest
from PIL import Image

from apps.blog.models import Post
from apps.core.sites import get_site
from tests.e2e.test_csp_browser import violations  # noqa: F401 (the fixture recording CSP violations)

pytestmark = pytest.mark.django_db(transaction=True)


def png():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "PNG")
    return out.getvalue()


def sign_in_as_steward(page, expected_url):
    page.wait_for_url(f"{get_site('federation').origin}/account/sign-in/**")
    page.get_by_label("Email or username").fill("steward@example.org")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(expected_url)


def test_staff_write_a_post_with_a_picture_publish_it_and_a_visitor_reads_it(page, violations, steward):  # noqa: F811
    blog = get_site("blog").origin

    page.goto(f"{blog}/editor/new/")
    sign_in_as_steward(page, f"{blog}/editor/new/")

    page.get_by_label("Title:", exact=True).fill("Blossom week")
    page.get_by_label("Excerpt:", exact=True).fill("The orchard in flower.")
    page.get_by_label("Tags").fill("Orchard")
    body = page.locator(".ProseMirror[contenteditable=true]")
    body.click()
    # Tiptap's input rules: "## " starts a heading, "- " a list, "> " a quote.
    page.keyboard.type("## In flower\n")
    page.keyboard.type("The first trees flowered on Monday.\n")
    page.keyboard.type("- Bramley\nCox\n\n")
    page.keyboard.type("> Bees everywhere.\n\n")
    page.keyboard.type("Read the almanac")
    page.keyboard.press("Shift+Home")
    page.get_by_role("button", name="insert link").click()
    link = page.locator("dialog[open]")
    link.get_by_label("URL").fill("https://almanac.example/apples")
    link.get_by_role("button", name="Update").click()
    # The dialog applies the link as it closes: go on typing once the editor shows it.
    body.locator("a[href='https://almanac.example/apples']").wait_for()
    link.wait_for(state="detached")
    body.press("End")
    body.press("Enter")
    page.get_by_label("Picture description").fill("Apple blossom")
    page.get_by_label(re.compile("Insert a picture")).set_input_files(
        {"name": "blossom.png", "mimeType": "image/png", "buffer": png()}
    )
    page.get_by_text("Picture inserted.").wait_for()
    picture = body.locator("img[alt='Apple blossom']")
    assert picture.get_attribute("src").startswith(f"{blog}/media/blog/")

    # Autosave kept the work as a draft, and the page now edits that post rather than a new one.
    page.get_by_text(re.compile(r"Draft saved at")).wait_for()
    page.wait_for_url(re.compile(rf"{re.escape(blog)}/editor/\d+/"))
    assert Post.objects.values_list("title", "status", "published_at").get() == ("Blossom week", "draft", None)

    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(rf"{re.escape(blog)}/editor/\d+/"))
    assert "“Blossom week” is published." in page.locator(".messages").inner_text()

    post = Post.objects.get()
    assert post.is_live
    assert "<h2>In flower</h2><p>The first trees flowered on Monday.</p>" in post.body
    assert "<ul><li><p>Bramley</p></li><li><p>Cox</p></li></ul>" in post.body
    assert "<blockquote><p>Bees everywhere.</p></blockquote>" in post.body
    assert re.search(r"<a href=\"https://almanac.example/apples\"[^>]*>Read the almanac</a>", post.body), post.body
    assert 'alt="Apple blossom"' in post.body

    visitor = page.context.browser.new_context().new_page()
    visitor.goto(f"{blog}/")
    visitor.get_by_role("link", name="Blossom week").first.click()
    visitor.wait_for_url(f"{blog}/posts/blossom-week/")
    shown = visitor.locator("img[alt='Apple blossom']")
    shown.wait_for()
    assert visitor.evaluate("(img) => img.complete && img.naturalWidth", shown.element_handle()) == 64
    feed = visitor.goto(f"{blog}/feed/rss/").text()
    assert "<title>Blossom week</title>" in feed
    assert f"{blog}/posts/blossom-week/" in feed
    visitor.context.close()

    assert violations == []


def test_the_admin_edits_a_body_with_the_same_editor_and_no_violation(page, violations, steward):  # noqa: F811
    blog = get_site("blog").origin

    page.goto(f"{blog}/admin/blog/post/add/")
    sign_in_as_steward(page, f"{blog}/admin/blog/post/add/")
    page.locator("#id_title").fill("From the admin")
    body = page.locator(".ProseMirror[contenteditable=true]")
    body.click()
    page.keyboard.type("## Typed in the admin")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{blog}/admin/blog/post/")

    assert Post.objects.get().body == "<h2>Typed in the admin</h2>"
    assert violations == []
