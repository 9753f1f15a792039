"""What a fresh install brings: every package the publisher imports, with the pip a new
virtual environment comes with.

pip before 23.3 matches an extra by its exact spelling: jusText (under trafilatura) asks
for `lxml[html_clean]`, lxml calls the extra `html-clean`, so an older pip (23.0 in
Debian's venv, 23.2 in Python 3.11's) installs lxml without `lxml_html_clean` and every
article fails with an ImportError. A machine whose environment got that package some
other way never sees it; this test reads the declared dependencies instead.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _declared() -> list[Requirement]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"]]


def _extras_spelled_unlike_their_provider() -> list[tuple[str, str, str]]:
    """(who asks, provider, extra) for every extra in the dependency tree that only a
    normalising pip finds: the provider does not list it in that spelling."""
    found, seen = [], set()
    todo = [req.name for req in _declared()]
    while todo:
        name = todo.pop()
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        for line in metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker and not req.marker.evaluate({"extra": ""}):
                continue  # an extra of `name` itself, not installed by default
            todo.append(req.name)
            provided = metadata.metadata(req.name).get_all("Provides-Extra") or []
            found += [(name, req.name, extra) for extra in req.extras if extra not in provided]
    return found


def _extra_requirements(provider: str, extra: str) -> set[str]:
    wanted = extra.replace("_", "-").lower()
    names = set()
    for line in metadata.requires(provider) or []:
        req = Requirement(line)
        only_with_extra = req.marker and not req.marker.evaluate({"extra": ""})
        if only_with_extra and req.marker.evaluate({"extra": wanted}):
            names.add(req.name.replace("_", "-").lower())
    return names


def test_extras_an_old_pip_would_drop_are_declared_by_us():
    declared = {req.name.replace("_", "-").lower() for req in _declared()}
    lost = [
        f"{asker} asks for {provider}[{extra}]: add {sorted(missing)} to the dependencies"
        for asker, provider, extra in _extras_spelled_unlike_their_provider()
        if (missing := _extra_requirements(provider, extra) - declared)
    ]
    assert not lost, "\n".join(lost)
