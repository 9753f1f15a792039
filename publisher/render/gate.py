"""The feed gate: what `check` refuses is not published, and one item that breaks a rule
costs that item, not its feed.

Render makes every value valid where it writes it, by the rules `check` applies (the
limits live in `publisher.formats.apple` and `publisher.formats.podcastindex`), so the
gate should find nothing. When an item still breaks a rule, the gate puts back the item
as the published feed has it (listeners keep its last version) or leaves it out if it
was never published, and checks again; the feed goes out with every other episode. Only
a rule broken by the channel itself (or a document that is not XML) keeps the whole
published feed as it was.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from publisher.check import check_feed
from publisher.check.findings import ATOM_NS, Finding, item_name, text_of
from publisher.check.podcastindex import HTTPS_RULES
from publisher.output.xmlsafe import parse_xml

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

# feedgen writes each <item> (Atom: <entry>) on lines of its own, and "<" inside text is
# always escaped: an item's bytes are exactly what this finds, in document order.
_ITEM = re.compile(rb"[ \t]*<item>.*?</item>[ \t]*\r?\n?", re.S)
_ENTRY = re.compile(rb"[ \t]*<entry>.*?</entry>[ \t]*\r?\n?", re.S)
_ATOM_ID = "urn:uuid:"  # an Atom entry's id is its item's GUID as a URN
ATTEMPTS = 3  # the new items; the published versions put back; those left out
_ARCHIVE_PAGE = re.compile(r"-archive-\d+(?=\.xml$)")


@dataclass(frozen=True)
class HeldItem:
    """An episode the gate did not publish as rendered, and why."""

    feed: str
    guid: str
    reason: str  # the first rule it broke, as `check` words it
    kept: bool  # True: its last published version stays; False: it is left out


def gated_feed(run: Run, relative: str, data: bytes) -> bytes | None:
    """The bytes to publish at `relative`: `data`, with each item `check` refuses put back
    as published or left out; None when the channel itself breaks a rule."""
    held: dict[str, HeldItem] = {}
    for attempt in range(ATTEMPTS):
        findings = check_feed(relative, data, run.out)
        errors = [finding for finding in findings if finding.severity == "error"]
        if attempt == 0 or not errors:
            for finding in findings:
                if finding.severity == "warning" and finding.rule in HTTPS_RULES:
                    run.http_urls[relative] = run.http_urls.get(relative, 0) + 1  # said once
                elif finding.severity == "warning":
                    log.warning("%s", finding.located())
        if not errors:
            _report(run, held.values())
            return data
        if any(not finding.item for finding in errors):
            break
        replaced = _without_refused_items(run, relative, data, errors, held)
        if replaced is None:
            break
        data = replaced
    for finding in errors:
        log.error("%s", finding.located())
    log.error("%s not published: %d errors; the old one stays", relative, len(errors))
    run.refused_feeds[relative] = [str(finding) for finding in errors]
    _report(run, _new_items_kept_out(run, relative, data, errors[0]))
    return None


def _new_items_kept_out(run: Run, relative: str, data: bytes, first: Finding) -> list[HeldItem]:
    """The items of a refused feed that its published version does not have: no listener
    has them, whatever their media says."""
    published = _published_items(run, relative)
    reason = f"the feed was not published ({first.rule}: {first.message})"
    return [
        HeldItem(relative, guid, reason, kept=False)
        for _, guid, _ in _items(data) or []
        if guid and guid not in published
    ]


def _without_refused_items(
    run: Run, relative: str, data: bytes, errors: list[Finding], held: dict[str, HeldItem]
) -> bytes | None:
    """`data` with every item named by `errors` replaced by its published version (once)
    or removed; None if the items cannot be told apart in the bytes."""
    items = _items(data)
    if items is None:
        return None
    first_reason: dict[str, str] = {}
    for finding in errors:
        first_reason.setdefault(finding.item, f"{finding.rule}: {finding.message}")
    published = _published_items(run, relative)
    pieces, last = [], 0
    for name, guid, (start, end) in items:
        pieces.append(data[last:start])
        last = end
        if name not in first_reason:
            pieces.append(data[start:end])
            continue
        previous = held.get(guid)
        old = published.get(guid) if guid and previous is None else None
        if old is not None and old != data[start:end]:
            pieces.append(old)
        held[guid or name] = HeldItem(
            relative, guid, previous.reason if previous else first_reason[name], old is not None
        )
    pieces.append(data[last:])
    return b"".join(pieces)


def _items(data: bytes) -> list[tuple[str, str, tuple[int, int]]] | None:
    """(name as `check` names it, GUID, byte span) of each RSS item or Atom entry, in
    order."""
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError:
        return None
    if root.tag == f"{{{ATOM_NS}}}feed":
        return _spans(root.findall(f"{{{ATOM_NS}}}entry"), _ENTRY, data, _entry_name)
    channel = root.find("channel")
    elements = channel.findall("item") if channel is not None else []
    return _spans(elements, _ITEM, data, item_name)


def _spans(elements, pattern: re.Pattern[bytes], data: bytes, name_of):
    spans = [match.span() for match in pattern.finditer(data)]
    if len(spans) != len(elements):
        return None
    return [
        (name_of(element, number), _guid(element), span)
        for number, (element, span) in enumerate(zip(elements, spans, strict=True), start=1)
    ]


def _entry_name(entry, number: int) -> str:
    """An Atom entry's name as `check` gives it: its id, else its title."""
    return (
        text_of(entry, f"{{{ATOM_NS}}}id")
        or text_of(entry, f"{{{ATOM_NS}}}title")
        or (f"entry {number}")
    )


def _guid(element) -> str:
    """The GUID of an RSS item, or of the item an Atom entry is (its id, a URN of it)."""
    text = element.findtext("guid") or element.findtext(f"{{{ATOM_NS}}}id") or ""
    return text.strip().removeprefix(_ATOM_ID)


def _published_items(run: Run, relative: str) -> dict[str, bytes]:
    """GUID -> the bytes of that item as its feed publishes it now: in the document at
    `relative` first, else in another page of the same feed (paging moves an episode
    from the subscription feed into an archive page, where it is new)."""
    found: dict[str, bytes] = {}
    for page in _pages_of_feed(run.out, relative):
        try:
            data = (run.out / page).read_bytes()
        except OSError:
            continue
        for _, guid, (start, end) in _items(data) or []:
            if guid:
                found.setdefault(guid, data[start:end])
    return found


def _pages_of_feed(out: Path, relative: str) -> list[str]:
    """`relative`, then the other published documents of its feed: the subscription
    feed and its RFC 5005 archive pages (`podcast-archive-N.xml`)."""
    subscription = _ARCHIVE_PAGE.sub("", relative)
    if subscription == relative and not relative.endswith(".xml"):
        return [relative]
    folder, _, name = subscription.rpartition("/")
    archives = (out / folder).glob(name.removesuffix(".xml") + "-archive-*.xml")
    others = [subscription] + sorted(f"{folder}/{path.name}".lstrip("/") for path in archives)
    return [relative] + [page for page in others if page != relative]


def _report(run: Run, held) -> None:
    """Each held item: logged, and noted on the run for its entry (the build's summary,
    the state, `status`)."""
    by_guid = {}
    for item in run.items:
        by_guid.update({guid: item for guid in (item.guid, item.video_guid) if guid})
    for hold in held:
        what = "its last published version stays" if hold.kept else "it stays out of the feed"
        message = f"{hold.feed}: {hold.reason} — {what}; the next build tries again"
        log.error("[%s] %s", hold.guid, message)
        item = by_guid.get(hold.guid)
        if item is not None:
            run.held_items.setdefault(item.id, []).append(hold)
            item.error = message
