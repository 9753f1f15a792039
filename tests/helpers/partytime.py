"""The Podcast Index's own feed parser, `podcast-partytime`, run by node on a feed.

It is the parser the Index reads every feed with, and stricter than feedparser about
attributes: a category written `Society &#x26; Culture` is no category for it. Installed
by the README's test command (`npm ci --prefix tests/js`); without it the tests that
read feeds back fail, saying so, rather than skip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "js"
INSTALL = "npm ci --prefix tests/js (see the README's Install and test)"


def partytime(feed: bytes) -> dict:
    """partytime's reading of `feed` (its JSON, as a dict); fails if it reads no feed."""
    node = shutil.which("node")
    assert node, f"node is not installed: apt-get install nodejs npm, then {INSTALL}"
    assert (JS / "node_modules" / "podcast-partytime").is_dir(), (
        f"podcast-partytime is not installed: run {INSTALL}"
    )
    result = subprocess.run(
        [node, str(JS / "partytime.js")], input=feed, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    parsed = json.loads(result.stdout.splitlines()[-1])  # after the parser's own log lines
    assert parsed is not None, "podcast-partytime read no feed in it"
    return parsed
