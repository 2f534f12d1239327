"""
The Content-Security-Policy in a real browser: the pages work under it, and it is enforced.

Chromium reports each refusal twice: a ``securitypolicyviolation`` event in the page, which an init
script hands to Python, and a console error ("Refused to ..."). Both are recorded, across every
navigation, so a form whose redirect ``form-action`` refuses is caught as surely as a blocked style.
"""

import pytest

from apps.core.sanitize import clean_federated_html
from apps.core.sites import get_site
from apps.federation.models import Note
from tests.federation.hubdata import follow_row

pytestmark = pytest.mark.django_db(transaction=True)

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.recordViolation(`${event.effectiveDirective} refused ${event.blockedURI} on ${event.documentURI}`);
});
"""
STYLESHEET_APPLIED = """() => [...document.styleSheets].some(
    (sheet) => sheet.href.endsWith("/static/css/roseash.css") && sheet.cssRules.length > 0
)"""
REMOTE_AUTHOR = "https://elsewhere.example/users/bo"


@pytest.fixture
def violations(page):
    """Return the list of CSP violations the page meets from now on; every page must carry a policy."""
    seen, unprotected = [], []

    def record(text):
        seen.append(text)

    def on_console(message):
        if "Content Security Policy" in message.text:
            seen.append(message.text)

    def on_response(response):
        if response.request.resource_type == "document" and "content-security-policy" not in response.headers:
            unprotected.append(f"{response.status} {response.url}")

    page.expose_function("recordViolation", record)
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    page.on("response", on_response)
    yield seen
    assert unprotected == [], "pages answered without a Content-Security-Policy"


@pytest.fixture
def remote_note(member):
    """A post from a peer the member follows, its HTML cleaned as the inbox cleans it."""
    follow_row(member, REMOTE_AUTHOR)
    return Note.objects.create(
        object_id=f"{REMOTE_AUTHOR}/statuses/1",
        author_url=REMOTE_AUTHOR,
        content=clean_federated_html(
            '<p style="color:red" onclick="alert(1)">Hello from <a href="https://elsewhere.example/tags/coop"'
            ' class="hashtag">#coop</a><script>alert(2)</script></p>'
        ),
    )


def sign_in(page, expected_url):
    page.wait_for_url(f"{get_site('federation').origin}/account/sign-in/**")
    page.get_by_label("Email or username").fill("alice@example.org")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(expected_url)


def test_signing_in_across_sites_reading_the_hub_and_signing_out_meet_no_violation(page, violations, remote_note):
    blog, hub = get_site("blog").origin, get_site("federation").origin

    # The blog's sign-in leads to the federation site's form, whose answer redirects back to the blog.
    page.goto(f"{blog}/")
    page.locator("header .member").get_by_role("link", name="Sign in").click()
    sign_in(page, f"{blog}/")
    assert page.locator("header .member .member__name").inner_text() == "alice"

    # The hub shows the peer's post, styled by our stylesheet alone.
    page.goto(f"{hub}/")
    remote = page.locator(".note", has_text="Hello from")
    assert remote.get_by_role("link", name="#coop").is_visible()
    assert page.evaluate(STYLESHEET_APPLIED)
    page.goto(f"{hub}/notes/{remote_note.pk}")
    assert page.get_by_text("Hello from").is_visible()

    # Signing out posts to the blog, which redirects to the federation site and back.
    page.goto(f"{blog}/")
    page.locator("header .member").get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{blog}/")
    assert "You are signed out of every Rose Ash site." in page.locator(".messages").inner_text()

    assert violations == []


def test_the_hubs_sign_in_page_meets_no_violation(page, violations, member):
    hub = get_site("federation").origin

    page.goto(f"{hub}/")
    page.get_by_role("link", name="Sign in to your social home").click()
    sign_in(page, f"{hub}/")

    assert page.get_by_role("heading", name="Home").is_visible()
    assert violations == []


def test_an_inline_script_slipped_into_the_hub_is_refused_and_reported(page, violations):
    page.goto(f"{get_site('federation').origin}/")

    ran = page.evaluate(
        """async () => {
            const reported = new Promise((resolve) => document.addEventListener("securitypolicyviolation", resolve));
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
            await reported;
            return window.inlineRan === true;
        }"""
    )

    assert ran is False
    assert any(violation.startswith("script-src-elem refused inline") for violation in violations), violations


def test_the_admin_meets_no_violation(page, violations, steward):
    blog = get_site("blog").origin

    page.goto(f"{blog}/admin/")
    page.wait_for_url(f"{get_site('federation').origin}/account/sign-in/**")
    page.get_by_label("Email or username").fill("steward@example.org")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{blog}/admin/")
    page.goto(f"{blog}/admin/account/user/")
    page.get_by_role("link", name="steward").click()
    page.wait_for_url(f"{blog}/admin/account/user/*/change/")

    assert violations == []
