"""The one safe way the publisher reads XML back (its feeds, OPML): external entities,
DTDs and the network are off, since a published folder may have been touched by someone
else."""

from __future__ import annotations

from lxml import etree


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML: no entity expansion, no DTD, no network, no huge trees."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    return etree.fromstring(data, parser)


def feed_item_count(data: bytes) -> int | None:
    """How many items (RSS) or entries (Atom) a feed holds; None if it is no XML."""
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError:
        return None
    return len(root.findall("channel/item")) + len(root.findall("{*}entry"))
