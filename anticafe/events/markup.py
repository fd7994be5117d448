"""Event descriptions: Markdown rendered to HTML that is safe to show. Pure: no Flask, no database."""

import html
import re
from functools import lru_cache

import markdown
import nh3

#: What a description may contain after rendering: text structure and links, no images or scripts.
ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "s", "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
                "blockquote", "code", "pre", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_HEADING = re.compile(r"^(#{1,6})(?=\s)", re.MULTILINE)


@lru_cache(maxsize=512)
def render_markdown(text: str) -> str:
    """Return sanitized HTML for a Markdown description (headings start at level 2 below the page's h1)."""
    if not text or not text.strip():
        return ""
    # "# Title" in a description must not compete with the page's own h1.
    source = _HEADING.sub(lambda m: "#" * min(6, len(m.group(1)) + 1), text)
    rendered = markdown.markdown(source, extensions=["sane_lists", "nl2br"], output_format="html")
    return nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def plain_text(text: str, limit: int | None = None) -> str:
    """Return the description as one line of plain text (for cards), cut at a word boundary."""
    flat = " ".join(html.unescape(nh3.clean(render_markdown(text or "").replace("<", " <"), tags=set())).split())
    if limit is None or len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:—-") + "…"
