"""Every command is documented: in the README, and in its --help with an example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
COMMANDS = sorted(main.commands)


def test_the_contracts_commands_exist():
    expected = {"add", "build", "check", "publish", "serve", "status", "validate"}
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command):
    assert re.search(rf"`publisher {command}\b", README.read_text(encoding="utf-8")), (
        f"README.md does not mention `publisher {command}`"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"publisher {command}" in result.output  # the example runs this command


def test_the_readme_walks_editors_through_talks_series_and_articles():
    text = README.read_text(encoding="utf-8")
    for heading in ("Adding a talk", "Adding a series", "Adding an article"):
        assert heading in text


def _install_and_test_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Install and test") :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the README's Install and test has a sh block"
    return block.group(1).splitlines()


def test_ci_runs_the_readmes_install_and_test_lines_as_written():
    """CI proves the README's command on a fresh environment only if it runs that command."""
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    readme = _install_and_test_lines()
    assert readme[-1] == "python -m pytest" and "python3 -m venv --clear .venv" in readme
    assert [line for line in ci if line in readme] == readme, "the same lines, in order"


def test_install_and_run_installs_into_a_virtual_environment():
    """Debian's and Ubuntu's Python refuse `pip install` outside one (PEP 668)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Install and run") : text.index("## Install and test")]
    lines = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1).splitlines()
    venv = next(i for i, line in enumerate(lines) if "python3 -m venv" in line)
    pip = next(i for i, line in enumerate(lines) if "pip install ." in line)
    assert venv < pip and ". .venv/bin/activate" in lines[venv]
