"""
HTML we did not write is cleaned before it is stored or shown, with nh3 (bleach is deprecated).

Two allowlists, because the sources differ in trust: federated peers send short posts and get
Mastodon's small set of tags; staff editors write articles and get headings, images and tables.
Neither ever keeps scripts, event-handler attributes, styles, or links other than http(s)/mailto.
Names and content warnings are text, not HTML: ``plain_text`` keeps no markup at all.
"""

import nh3
from django.utils.html import strip_tags

__all__ = ["clean_editorial_html", "clean_federated_html", "plain_text"]

LINK_SCHEMES = {"http", "https", "mailto"}

FEDERATED_TAGS = {
    *("p", "br", "span", "a", "del", "pre", "code", "em", "strong", "b", "i", "u", "s"),
    *("ul", "ol", "li", "blockquote"),
}
FEDERATED_ATTRIBUTES = {"a": {"href"}, "ol": {"start", "reversed"}, "li": {"value"}}
# The microformats Mastodon marks mentions and hashtags with; any other class is dropped.
FEDERATED_CLASSES = {
    "a": {"mention", "hashtag", "u-url", "h-card"},
    "span": {"h-card", "invisible", "ellipsis"},
}

EDITORIAL_TAGS = FEDERATED_TAGS | {
    *("h2", "h3", "h4", "h5", "h6", "hr", "img", "figure", "figcaption", "sub", "sup", "mark", "small", "abbr"),
    *("table", "thead", "tbody", "tr", "th", "td", "caption"),
}
EDITORIAL_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "abbr": {"title"},
    "ol": {"start", "reversed"},
}


def clean_federated_html(html):
    """Return a peer's post content with only what a short social post needs."""
    return nh3.clean(
        html,
        tags=FEDERATED_TAGS,
        attributes=FEDERATED_ATTRIBUTES,
        allowed_classes=FEDERATED_CLASSES,
        url_schemes=LINK_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def clean_editorial_html(html):
    """Return an editor's article body: richer than a post, and still never able to run code."""
    return nh3.clean(
        html,
        tags=EDITORIAL_TAGS,
        attributes=EDITORIAL_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        link_rel="noopener noreferrer",
    )


def plain_text(value, max_length):
    """
    Return ``value`` without markup, cut to ``max_length`` characters ("" for anything not a string).

    For a title or a content warning: shown escaped and sent to peers as text, where Mastodon
    would otherwise show the tags of a name like ``<b>News</b>`` as they are.
    """
    return strip_tags(value)[:max_length] if isinstance(value, str) else ""
