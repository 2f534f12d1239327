"""The plain-text part of a mail made from its (already sanitized) HTML: readable, links kept."""

import html
import re

_LINK = re.compile(r"<a\s[^>]*href=\"([^\"]+)\"[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|tr|table|figure|pre)>", re.IGNORECASE)
_ITEM = re.compile(r"<li[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(value: str) -> str:
    """Return ``value`` as text: paragraphs apart, list items bulleted, a link as ``text (url)``."""

    def link(match):
        url, text = match.group(1), _TAG.sub("", match.group(2)).strip()
        return url if not text or text == url else f"{text} ({url})"

    text = _LINK.sub(link, value)
    text = _BREAK.sub("\n", text)
    text = _ITEM.sub("- ", text)
    text = _BLOCK_END.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"
