"""A small valid catalog to break one line at a time, and the problems `load` reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.catalog.load import load_catalog
from publisher.errors import CatalogError
from publisher.messages import problem_line

BASE = """\
site:
  title: Test
  base_url: https://feeds.example.org/
  link: https://example.org/
  language: en
  author: Someone
  owner: {name: Owner, email: o@example.org}
  image: cover.png
series:
  russian-revolution-1917:
    title: "1917"
    description: Talks.
    author: Alan Woods
    category: History
entries:
  - id: july-days
    kind: video
    series: russian-revolution-1917
    title: July Days
    published: 2017-07-20
"""

TITLE = "    title: July Days\n"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    prefix = f"{path}:"
    lines = [problem_line(problem) for problem in raised.value.problems]
    assert all(line.startswith(prefix) for line in lines)
    return [line.removeprefix(prefix) for line in lines]
