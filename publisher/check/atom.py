"""Atom's rules (RFC 4287): ids, titles, links and RFC 3339 dates."""

from __future__ import annotations

import re

from publisher.check.findings import ATOM_NS, FeedCheck, base_url_from_self, text_of

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _atom(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def check_atom(context: FeedCheck, root) -> None:
    context.base_url = base_url_from_self(context, root, "atom.self")
    _check_atom_required(context, root, "")
    has_author = root.find(_atom("author")) is not None
    seen: set[str] = set()
    for number, entry in enumerate(root.findall(_atom("entry")), start=1):
        name = text_of(entry, _atom("id")) or text_of(entry, _atom("title")) or f"entry {number}"
        _check_atom_required(context, entry, name)
        if name in seen:
            context.error("atom.id.unique", f"the id {name} is used by more than one entry", name)
        seen.add(name)
        if not has_author and entry.find(_atom("author")) is None:
            context.error("atom.author", "neither the entry nor the feed has an <author>", name)
    if root.find(_atom("entry")) is None:
        context.warning("feed.empty", "the feed has no entries; readers show it empty")


def _check_atom_required(context: FeedCheck, element, name: str) -> None:
    for tag in ("id", "title", "updated"):
        if not text_of(element, _atom(tag)):
            context.error("atom.required", f"no <{tag}>", name)
    for tag in ("updated", "published"):
        value = text_of(element, _atom(tag))
        if value and not _RFC3339.match(value):
            context.error("atom.date", f"<{tag}> {value!r} is not an RFC 3339 date", name)
