"""trafilatura, the one importer of it: an article page's main text, without the page's
navigation, comments, footer or scripts.

trafilatura is the well-kept extractor the digital humanities and the Common Crawl tools
use; a hand-written one would keep every site's menus. It is given the page already
fetched (through `publisher.tools.http`'s checked GET): it never opens a connection
itself. Imported only when an article page is read, as it loads htmldate and courlan.
"""

from __future__ import annotations

import functools
import logging

import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import use_config

log = logging.getLogger(__name__)

# Larger documents are no article: trafilatura refuses them rather than spend seconds and
# memory on a hostile page.
MAX_TREE_SIZE = 200_000


@functools.cache
def _config():
    config = use_config()
    config.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # its timeout uses signals: not here
    return config


def main_text(html: str, url: str) -> str:
    """The page's main text as HTML (paragraphs, headings, lists, links, emphasis), with
    links made absolute against `url`; "" when the page has no article text."""
    if not html.strip():
        return ""
    try:
        document = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    # Relative links would point at the feed's host once the text is elsewhere.
    document.make_links_absolute(url, resolve_base_href=True, handle_failures="discard")
    try:
        extracted = trafilatura.extract(
            document,
            url=url,
            output_format="html",
            include_comments=False,
            include_links=True,
            include_images=False,
            include_formatting=True,
            include_tables=True,
            favor_precision=True,  # a menu let through is worse than a caption left out
            config=_config(),
        )
    except Exception as error:  # a hostile page must cost its text, never the build
        log.warning("the main text of %s could not be extracted: %r", url, error)
        return ""
    return extracted or ""
