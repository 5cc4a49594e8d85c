"""Every editor-written HTML body passes one allow-list before a template may print it.

Pelican renders Markdown (and the `Summary` field) to HTML and hands it to the templates,
which autoescape everything else. One receiver of `content_object_init` sees every Pelican
content object: articles, portraits, pages, municipality intros and events (both read as
Pages). It checks the title, cleans body and summary with the MARKDOWN policy (policy.py),
warns with file and field when something was removed, and marks the HTML safe — in exactly
this one place — so templates print `{{ article.content }}` without `|safe`.
"""

from __future__ import annotations

import logging
import re
from html import unescape

from pelican import signals
from pelican.contents import Article, Page

from plugins import validation

from .policy import clean_markdown_html, removed_parts

logger = logging.getLogger(__name__)
# One-line metadata shown as text. Editors have always been able to write entities there
# (`Fisch &amp; Chips`, from the days the theme printed them raw): they are decoded once here,
# and the templates escape the resulting text once.
TEXT_FIELDS = ("title", "firstname", "quote", "alt", "credit", "location", "address", "organizer")


# Where Pelican rewrites links to other files ({filename}x.md, {static}, the old |filename|
# form): a quoted attribute value that starts with { or | (Content._get_intrasite_link_regex)
LINK_MARKUP = re.compile(r"""=\s*["'][{|]""")


def may_link_other_files(html: str) -> bool:
    """Whether Pelican may rewrite part of `html` with other files' URLs (which can change)."""
    return ("{" in html or "|" in html) and LINK_MARKUP.search(html) is not None  # most bodies: two scans in C


class SafeHTML(str):
    """HTML that came out of the sanitiser.

    Jinja's autoescape prints it as it is (markupsafe's __html__ protocol); every other
    reader sees a plain str. Not markupsafe.Markup itself: Pelican's feed writer XML-escapes
    the body with str.replace, which Markup would turn into an escaping replace.
    """

    def __html__(self) -> str:
        return str(self)


def clean_and_report(html: str, path: str, field: str) -> str:
    """The cleaned HTML; a warning names the file, the field and what was removed."""
    cleaned = clean_markdown_html(html)
    removed = removed_parts(html, cleaned)
    if removed:
        validation.warn(path, field, f"removed {', '.join(removed)}; expected Markdown without scripts, "
                                     "styles, event handlers or javascript:/data: links")
    return cleaned


def _safe_links(content) -> None:
    """Pelican rewrites {filename}/{static} links when a body is read; clean that final text once
    more (quietly: the rewrite only inserts URLs) and mark the result safe."""
    rewrite = type(content)._update_content
    last: list = [None, None, None]  # text, siteurl, result: a session asks again on every run

    def update_content(text: str, siteurl: str):
        if not text:
            return text
        if last[0] == text and last[1] == siteurl:
            return last[2]
        result = SafeHTML(clean_markdown_html(rewrite(content, text, siteurl)))
        if not may_link_other_files(text):  # the same text always gives the same result
            last[:] = [text, siteurl, result]
        return result

    content._update_content = update_content  # an instance attribute shadows Pelican's method


def decode_text_fields(content) -> None:
    """`Fisch &amp; Chips` -> `Fisch & Chips` in metadata and attribute, once."""
    for field in TEXT_FIELDS:
        value = content.metadata.get(field)
        if isinstance(value, str) and "&" in value:
            content.metadata[field] = unescape(value)
            setattr(content, field, content.metadata[field])


def sanitise_content(content) -> None:
    if not isinstance(content, (Article, Page)):
        return
    path = content.source_path or "?"
    decode_text_fields(content)
    validation.require_title(path, getattr(content, "title", None))
    content._content = clean_and_report(content._content or "", path, "body")
    summary = content.metadata.get("summary")
    if summary:
        # marked safe later, with the body: Pelican passes every summary of an article or page
        # through _update_content (refresh_metadata_intersite_links) once all content is read
        content.metadata["summary"] = content._summary = clean_and_report(summary, path, "summary")
    _safe_links(content)


def register() -> None:
    signals.content_object_init.connect(sanitise_content)
