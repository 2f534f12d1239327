import pytest

from apps.core.sanitize import clean_editorial_html, clean_federated_html, plain_text

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<p onclick="alert(1)" onmouseover="alert(2)">x</p>',
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<scr<script>ipt>alert(1)</script>",
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<form action="https://evil.example"><input name="password"></form>',
]


@pytest.mark.parametrize("clean", [clean_federated_html, clean_editorial_html])
@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_that_can_run_survives(clean, attack):
    html = clean(attack).lower()

    for dangerous in (
        "<script",
        "onerror",
        "onclick",
        "onmouseover",
        "javascript:",
        "data:",
        "<iframe",
        "style=",
        "<svg",
        "<form",
    ):
        assert dangerous not in html


def test_a_mastodon_post_keeps_its_mentions_and_links():
    post = (
        '<p><span class="h-card"><a href="https://mastodon.example/@ana" class="u-url mention">@<span>ana</span></a>'
        '</span> see <a href="https://coop.example/x" target="_blank" class="evil">this</a></p>'
    )

    html = clean_federated_html(post)

    assert 'class="u-url mention"' in html
    assert 'href="https://coop.example/x"' in html
    assert 'rel="nofollow noopener noreferrer"' in html
    assert "evil" not in html
    assert "target" not in html


def test_posts_do_not_get_headings_or_images_but_articles_do():
    article = '<h2>Harvest</h2><img src="https://coop.example/apples.jpg" alt="Apples">'

    assert "<h2>" not in clean_federated_html(article)
    assert "<img" not in clean_federated_html(article)
    assert clean_editorial_html(article) == article


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("<b>Harvest</b> festival", "Harvest festival"),
        ('<img src=x onerror="alert(1)">Title<script>alert(2)</script>', "Titlealert(2)"),
        ("fish & chips < 5", "fish & chips < 5"),
        (None, ""),
        (["a list"], ""),
    ],
)
def test_plain_text_keeps_no_markup(value, text):
    assert plain_text(value, 500) == text


def test_plain_text_is_cut_to_its_column():
    assert plain_text("x" * 600, 500) == "x" * 500
