"""What a reader shows for the HTML of a summary: its text, laid out in lines."""

from __future__ import annotations

import lxml.html


def shown(fragment: str) -> str:
    """The text an app shows for an HTML fragment: `<p>`s apart by a blank line, `<br>`
    as a line break, every reference decoded."""
    tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "").lstrip()  # HTML folds the layout around a break
    paragraphs = tree.findall("p")
    if not paragraphs:
        return tree.text_content()
    return "\n\n".join(p.text_content() for p in paragraphs)
