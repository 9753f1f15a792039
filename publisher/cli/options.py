"""What every `publisher` command shares: common options, and turning errors into one line.

The publisher's errors become one line on stderr (publisher.messages) and the contract's
exit codes; tracebacks only with --verbose.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click

from publisher import messages
from publisher.errors import ExitCode, PublisherError

catalog_option = click.option(
    "--catalog",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("media_catalog.yaml"),
    show_default=True,
    help="The catalog file.",
)
out_option = click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("feeds"),
    show_default=True,
    help="The published folder.",
)
private_option = click.option(
    "--allow-private-sources",
    is_flag=True,
    help="Allow sources, WebSub hubs and pings on loopback, private and link-local"
    " addresses (intranets, tests).",
)


def reports_errors(command: Callable) -> Callable:
    """Turn the publisher's errors into one line on stderr and the contract's exit code."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        verbose = click.get_current_context().find_root().params.get("verbose", False)
        try:
            return command(*args, **kwargs)
        except (PublisherError, OSError) as error:
            if verbose:
                traceback.print_exc()
            click.echo(f"error: {messages.describe(error)}", err=True)
            sys.exit(messages.exit_code(error))
        except KeyboardInterrupt:
            click.echo("interrupted; temp files removed, published files unchanged", err=True)
            sys.exit(ExitCode.INTERRUPTED)

    return wrapper
