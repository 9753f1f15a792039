"""The `publisher` command: a thin click layer over the library.

The main group and its logging; the commands are `cli.pipeline` (build, check, serve,
publish) and `cli.editor` (add, validate, status). Each command's docstring is its --help,
with an example. Errors become one-line messages (publisher.messages) and the exit codes
of the contract: 0 done, 1 invalid catalog or configuration, 2 usage, 3 partial, 75 another
run holds the lock.
"""

from __future__ import annotations

import logging

import click

from publisher import redaction


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--verbose", "-v", is_flag=True, help="Debug logs, and tracebacks with errors.")
@click.version_option(package_name="publisher")
def main(verbose: bool) -> None:
    """Turn a catalog of talks and articles into podcast feeds, pages and OPML.

    \b
    Example:
      publisher build            # publish feeds/ from media_catalog.yaml
      publisher check            # validate what was published
    """
    # Plain "warning: …" lines for people and cron mail; module names only when debugging.
    form = "%(levelname)s %(name)s: %(message)s" if verbose else "%(levelname)s: %(message)s"
    logging.addLevelName(logging.ERROR, "error")
    logging.addLevelName(logging.WARNING, "warning")
    logging.addLevelName(logging.INFO, "info")
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format=form)
    redaction.install()  # --verbose output goes into bug reports: no credential in it
    logging.getLogger("publisher").setLevel(logging.DEBUG if verbose else logging.INFO)


def _register_commands() -> None:
    from publisher.cli.pipeline import build, check, publish, serve

    for command in (build, check, serve, publish):
        main.add_command(command)

    from publisher.cli.editor import (
        add_command,
        doctor_command,
        formats_command,
        status_command,
        validate_command,
    )

    main.add_command(add_command, "add")
    main.add_command(validate_command, "validate")
    main.add_command(status_command, "status")
    main.add_command(doctor_command, "doctor")
    main.add_command(formats_command, "formats")


_register_commands()


if __name__ == "__main__":
    main()
