"""trafilatura, the one importer of it: an article page's main text, without the page's
navigation, comments, footer or scripts.

trafilatura is the well-kept extractor the digital humanities and the Common Crawl tools
use; a hand-written one would keep every site's menus. It is given the page already
fetched (through `publisher.tools.http`'s checked GET): it never opens a connection
itself.

It runs in a child process, `python -m publisher.tools.trafilatura URL`, the page on its
stdin and the text on its stdout, with a time limit: its cost grows faster than the
page, and some shapes are quadratic (20,000 <span>s in one paragraph, a 300 kB page,
took 70 s; a 5 MB page of them would take hours), and its own MAX_TREE_SIZE is checked
only after the work is done. Pure Python cannot be stopped from another thread; a child
is killed at its limit, or at once when the run stops. Importing this module loads no
part of trafilatura.
"""

from __future__ import annotations

import logging
import resource
import subprocess
import sys
import threading
import time

from publisher.errors import Interrupted

log = logging.getLogger(__name__)

SECONDS = 30.0  # an article page takes well under 5 s; past this it is no article
MEMORY_BYTES = 2 * 1024**3  # the child's address space: a hostile page costs no more
POLL_SECONDS = 0.2  # how often the parent looks at the run's stop event


def main_text(html: str, url: str, stop: threading.Event, seconds: float = SECONDS) -> str:
    """The page's main text as HTML (paragraphs, headings, lists, links, emphasis), with
    links made absolute against `url`; "" when the page has no article text, or when
    finding it takes more than `seconds`. Interrupted when `stop` is set meanwhile."""
    if not html.strip():
        return ""
    command = [sys.executable, "-m", "publisher.tools.trafilatura", url, str(seconds)]
    child = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
        errors="replace",
    )
    deadline = time.monotonic() + seconds
    page: str | None = html  # given on the first call only
    try:
        while True:
            try:
                text, errors = child.communicate(page, timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                page = None
            if stop.is_set():
                raise Interrupted(f"{url}: reading the article's text abandoned, the run stops")
            if time.monotonic() >= deadline:
                log.warning("the main text of %s took over %g s to find: left out", url, seconds)
                return ""
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    if child.returncode != 0:
        last = next((line for line in reversed(errors.splitlines()) if line.strip()), "")
        why = last or f"exit {child.returncode}"  # killed at its CPU or memory limit
        log.warning("the main text of %s could not be extracted: %s", url, why)
        return ""
    return text


# The child's side ----------------------------------------------------------------------


def _child(url: str, seconds: float) -> None:
    # Bounds of its own, should the parent die without killing it (SIGKILL).
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    sys.stdout.reconfigure(encoding="utf-8")
    sys.stdout.write(_extract(sys.stdin.read(), url))


def _extract(html: str, url: str) -> str:
    import lxml.etree
    import lxml.html
    import trafilatura

    try:
        document = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    # Relative links would point at the feed's host once the text is elsewhere.
    document.make_links_absolute(url, resolve_base_href=True, handle_failures="discard")
    extracted = trafilatura.extract(  # an error ends the child: the page costs its text
        document,
        url=url,
        output_format="html",
        include_comments=False,
        include_links=True,
        include_images=False,
        include_formatting=True,
        include_tables=True,
        favor_precision=True,  # a menu let through is worse than a caption left out
    )
    return extracted or ""


if __name__ == "__main__":
    _child(sys.argv[1], float(sys.argv[2]))
