"""Catalogs made to break the publisher: escaped control characters, an alias bomb,
nesting to the parser's limits, and every field given the wrong shape.

Whatever the catalog holds, `validate` answers with located problems (file:line: field)
and exit 1, never a traceback or a crash, and in well under a second; and what it
accepts, `build` publishes. A second `build` takes the lock before it reads the catalog,
so it exits 75 at once however slow the catalog is to read.
"""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path

import pytest
import yaml
from helpers.catalogs import lock_held_elsewhere, run_publisher
from helpers.validation import BASE, TITLE, problems_of

from publisher.catalog.load import load_catalog
from publisher.errors import CatalogError


@pytest.fixture(autouse=True)
def cover(tmp_path: Path) -> Path:
    path = tmp_path / "cover.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    return path


def catalog_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "media_catalog.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# Escaped control characters -------------------------------------------------------

# The escape as written in a double-quoted YAML value -> the character it decodes to.
ESCAPES = {
    r"\0": "the control character U+0000",
    r"\a": "the control character U+0007",
    r"\e": "the control character U+001B",
    r"\x7f": "the control character U+007F",
    r"\x85": "the control character U+0085",
    r"\N": "the control character U+0085",
    r"\uFFFE": "the noncharacter U+FFFE",
    r"\uFFFF": "the noncharacter U+FFFF",
}
SERIES_AUTHOR = "series.russian-revolution-1917.author"
# Where the escape goes: (text replaced in BASE, replacement with ESC, line, field)
PLACES = [
    (TITLE, '    title: "JulyESC Days"\n', 19, "entries[0].title"),
    ("author: Someone", 'author: "SomeESCone"', 6, "site.author"),
    ("{name: Owner,", '{name: "OwnESCer",', 7, "site.owner.name"),
    ("    author: Alan Woods", '    author: "AlanESC Woods"', 13, SERIES_AUTHOR),
    (TITLE, TITLE + '    authors: [A, "BESC"]\n', 20, "entries[0].authors"),
]  # fmt: skip


@pytest.mark.parametrize("escape", ESCAPES)
@pytest.mark.parametrize("place", PLACES, ids=lambda place: place[3])
def test_an_escaped_control_character_is_located(tmp_path, escape, place):
    old, new, line, field = place
    path = catalog_with(tmp_path, BASE.replace(old, new.replace("ESC", escape), 1))
    assert problems_of(path) == [
        f"{line}: {field}: contains {ESCAPES[escape]}; remove the escape that writes it"
    ]


def test_half_a_surrogate_pair_is_located(tmp_path):
    path = catalog_with(tmp_path, BASE.replace(TITLE, '    title: "July \\ud800 Days"\n'))
    assert problems_of(path) == [
        "19: yaml: found invalid Unicode character escape code;"
        " write the character itself, or a \\uXXXX escape of a whole one"
    ]


def test_tabs_and_line_breaks_in_escapes_are_text(tmp_path):
    path = catalog_with(tmp_path, BASE.replace(TITLE, '    title: "July\\tDays\\nof 1917"\n'))
    assert load_catalog(path).entries[0].title == "July\tDays\nof 1917"


def test_validate_refuses_it_and_build_never_starts(tmp_path):
    catalog_with(tmp_path, BASE.replace(TITLE, '    title: "July \\e[31m Days"\n'))
    expected = (
        "media_catalog.yaml:19: entries[0].title: contains the control character U+001B;"
        " remove the escape that writes it"
    )
    validate = run_publisher("validate", cwd=tmp_path)
    assert (validate.exit_code, validate.stderr.splitlines()[1:]) == (1, [expected])
    build = run_publisher("build", "--offline", cwd=tmp_path)
    assert (build.exit_code, build.stderr.splitlines()[1:]) == (1, [expected])
    assert not (tmp_path / "feeds").exists()
    assert [p.name for p in (tmp_path / ".publisher").iterdir()] == ["lock"]  # no state


# Aliases ----------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    """'Billion laughs': each level is nine aliases of the one before (9**levels values)."""
    lols = ", ".join(["lol"] * 9)
    lines = [f"  level0: &laughs_at_level_0 [{lols}]"]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*laughs_at_level_{level - 1}"] * 9)
        lines.append(f"  level{level}: &laughs_at_level_{level} [{aliases}]")
    return "laughs:\n" + "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    bomb = alias_bomb(8)
    assert len(bomb.encode()) >= 1300  # the size of the one that took 24 s
    path = catalog_with(tmp_path, bomb + BASE)
    started = time.perf_counter()
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.2, f"validate took {elapsed:.2f} s"
    [problem] = raised.value.problems
    assert (problem.line, problem.field) == (6, "yaml")  # level 4: past 9**4 values
    assert problem.message == "aliases here repeat more than 10,000 values"


def test_validate_answers_an_alias_bomb_in_well_under_a_second(tmp_path):
    catalog_with(tmp_path, alias_bomb(8) + BASE)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    catalog_with(plain, BASE)
    started = time.perf_counter()
    assert run_publisher("validate", cwd=plain).exit_code == 0
    startup = time.perf_counter() - started  # what any validate costs: Python and imports
    started = time.perf_counter()
    result = run_publisher("validate", cwd=tmp_path)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1
    assert "media_catalog.yaml:6: yaml: aliases here repeat more than 10,000 values" in (
        result.stderr
    )
    assert elapsed - startup < 0.5, f"{elapsed:.2f} s, of which {startup:.2f} s starting up"


def test_an_alias_that_loops_into_itself_is_refused(tmp_path):
    path = catalog_with(tmp_path, "loop: &x [a, *x]\n" + BASE)
    assert problems_of(path) == [
        "1: yaml: the alias *x has no complete &x before it;"
        " an alias repeats a value given earlier, never the one it is inside"
    ]


def test_a_shared_value_by_alias_still_works(tmp_path):
    text = BASE.replace("author: Someone", "author: &who Someone").replace(
        TITLE, TITLE + "    authors: [*who]\n"
    )
    path = catalog_with(tmp_path, text)
    assert load_catalog(path).entries[0].authors == ("Someone",)


# Nesting ----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deep_nesting_is_located_not_a_crash(tmp_path, depth):
    """libyaml's composer recursed in C: 100,000 levels killed the process (SIGSEGV)."""
    catalog_with(tmp_path, BASE + "deep: " + "[" * depth + "]" * depth + "\n")
    result = run_publisher("validate", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1].endswith(
        "media_catalog.yaml:21: yaml: values are nested more than 64 levels deep;"
        " a catalog needs a few levels; check the brackets and the indentation"
    )


def test_deep_block_nesting_is_located_like_flow_nesting(tmp_path):
    """Indentation 1,100 levels deep: the same problem, whichever parser layer stops it."""
    levels = "".join(" " * level + "k:\n" for level in range(1, 1_100)) + " " * 1_100 + "k: v\n"
    catalog_with(tmp_path, BASE + "deep:\n" + levels)
    result = run_publisher("validate", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1].endswith(
        ": yaml: values are nested more than 64 levels deep;"
        " a catalog needs a few levels; check the brackets and the indentation"
    )


def test_nesting_a_catalog_uses_is_fine(tmp_path):
    path = catalog_with(tmp_path, BASE + "extra: " + "[" * 60 + "]" * 60 + "\n")
    assert problems_of(path) == ["21: extra: unknown key; expected site, series or entries"]


# Every field given every wrong shape --------------------------------------------------

SHAPES = {
    "a string": "just a string",
    "a number": 4,
    "a mapping": {"a": 1},
    "a nested mapping": {"name": {"x": [1]}},
    "a list": [1, 2],
    "a list of lists": [[1], [2]],
    "a list of mappings": [{"a": 1}],
    "an empty mapping": {},
    "an empty list": [],
    "null": None,
    "empty text": "",
}


def paths_of(value, path=()):
    """Every place in a document: each mapping value and each list item, at any depth."""
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths_of(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths_of(child, (*path, index))


def replaced(document, path, shape):
    document = copy.deepcopy(document)
    if not path:
        return shape
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = shape
    return document


BASE_DOCUMENT = yaml.safe_load(BASE + "    authors: [Alan Woods]\n    episode: 4\n")
MALFORMED = [
    (path, name)
    for path in paths_of(BASE_DOCUMENT)
    for name in SHAPES
    if not (path and isinstance(path[-1], int) and name == "a string")  # that is valid
]


def test_every_wrong_shape_is_a_located_problem(tmp_path):
    """`owner: just a string` was a TypeError; no shape anywhere may be a traceback."""
    assert len(MALFORMED) > 250
    for path, name in MALFORMED:
        text = yaml.safe_dump(replaced(BASE_DOCUMENT, path, SHAPES[name]), allow_unicode=True)
        catalog = catalog_with(tmp_path, text)
        try:
            load_catalog(catalog)
        except CatalogError as error:
            where = ".".join(map(str, path)) or "the catalog"
            assert error.problems, f"{where} as {name}: no problem given"
            for problem in error.problems:
                assert problem.line >= 1 and problem.field, f"{where} as {name}: {problem}"


def test_owner_given_as_a_string_through_the_command(tmp_path):
    catalog_with(tmp_path, BASE.replace("{name: Owner, email: o@example.org}", "just a string"))
    result = run_publisher("validate", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [
        "media_catalog.yaml:7: site.owner: expected a mapping of keys"
    ]


# The lock before the catalog -----------------------------------------------------------


def test_a_second_build_exits_75_without_reading_the_catalog(tmp_path):
    """The catalog is a pipe nobody writes to: reading it never ends, like a catalog on a
    hung network share or one still being read by a slow run. A build that reads before
    it locks hangs there; one that locks first exits 75."""
    catalog = tmp_path / "media_catalog.yaml"
    os.mkfifo(catalog)
    with lock_held_elsewhere(tmp_path / ".publisher") as holder:
        result = run_publisher("build", "--offline", cwd=tmp_path, timeout=60)
    assert result.exit_code == 75
    assert f"another run (pid {holder.pid}) is working on" in result.stderr
