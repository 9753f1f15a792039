"""The `publisher` command: a thin click layer over the library.

Each command's docstring is its --help, with an example. Errors become one-line messages
(publisher.messages) and the exit codes of the contract: 0 done, 1 invalid catalog or
configuration, 2 usage, 3 partial, 75 another run holds the lock.
"""

from __future__ import annotations

import json
import logging
import signal
import sys

import click

from publisher.cli.options import catalog_option, out_option, private_option, reports_errors

EXIT_PARTIAL = 3
log = logging.getLogger("publisher")


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so temp files are removed; exit 143 as shells expect."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


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
    logging.getLogger("publisher").setLevel(logging.DEBUG if verbose else logging.INFO)


@main.command()
@catalog_option
@out_option
@click.option("--offline", is_flag=True, help="Use only what is cached; no network request.")
@click.option("--refresh", is_flag=True, help="Re-read every source's metadata.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 32),
    default=2,
    show_default=True,
    help="Entries worked on in parallel.",
)
@click.option(
    "--base-url",
    envvar="PUBLISHER_BASE_URL",
    help="Override the catalog's base_url for this build (env PUBLISHER_BASE_URL).",
)
@click.option("--ffmpeg", envvar="PUBLISHER_FFMPEG", help="A system ffmpeg to use.")
@private_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@reports_errors
def build(catalog, out, offline, refresh, jobs, base_url, ffmpeg, allow_private_sources, quiet):
    """Run the whole pipeline and publish the feeds, pages and media into OUT.

    Exits 0 when everything is published, 3 when some talks are pending or failed (the
    rest is published), 1 when the catalog is invalid (nothing is written), 75 when
    another run holds the lock.

    \b
    Example:
      publisher build --jobs 4
      publisher build --offline --base-url http://192.168.1.20:8000/
    """
    from publisher.build import build as run_build
    from publisher.build.run import BuildOptions

    _stop_on_sigterm()
    if quiet:
        logging.getLogger().setLevel(logging.ERROR)
        logging.getLogger("publisher").setLevel(logging.ERROR)
    if base_url:
        _check_base_url(base_url)
    options = BuildOptions(
        out=out,
        offline=offline,
        refresh=refresh,
        jobs=jobs,
        allow_private_sources=allow_private_sources,
        base_url=base_url,
        ffmpeg=ffmpeg,
    )
    if sys.stderr.isatty() and not quiet:
        from publisher.cli.progress import terminal_progress  # rich: only on a terminal

        with terminal_progress() as progress:
            report = run_build(catalog, options, progress)
    else:
        report = run_build(catalog, options)
    if not quiet:
        click.echo(report.summary())
    sys.exit(report.exit_code)


def _check_base_url(url: str) -> None:
    from urllib.parse import urlsplit

    from publisher.errors import ConfigurationError

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"--base-url {url!r} is not an http(s) URL")


@main.command()
@out_option
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@reports_errors
def check(out, as_json):
    """Check the published feeds against Apple's and the Podcast Index's rules.

    Prints every error and warning, naming the feed, the item and the rule; exits 1 on
    any error.

    \b
    Example:
      publisher check --out feeds
    """
    from publisher.check import check_folder

    findings = check_folder(out)
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in findings], indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
    errors = [f for f in findings if f.severity == "error"]
    warnings = len(findings) - len(errors)
    if not as_json:
        click.echo(f"check: {len(errors)} errors, {warnings} warnings")
    sys.exit(1 if errors else 0)


@main.command()
@out_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; anything but loopback shows the folder to the network.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@reports_errors
def serve(out, host, port):
    """Serve the published folder for trying the feeds in a podcast app.

    Supports HEAD, byte ranges, ETag and Last-Modified; prints the feed URLs to paste
    into an app.

    \b
    Example:
      publisher serve --port 8000
      publisher build --base-url http://192.168.1.20:8000/ && publisher serve --host 0.0.0.0
    """
    from publisher.deliver.serve import serve as run_server

    run_server(out, host=host, port=port)


@main.command()
@click.argument("destination")
@out_option
@click.option("--endpoint-url", help="An S3-compatible endpoint (MinIO, R2, moto…).")
@click.option("--delete", is_flag=True, help="Delete remote files no longer published.")
@click.option(
    "--cors", is_flag=True, help="Let web players on any site read the bucket (GET and HEAD)."
)
@catalog_option
@reports_errors
def publish(destination, out, endpoint_url, delete, cors, catalog):
    """Upload the published folder to S3-compatible storage.

    Media and pages first, feeds and OPML last; unchanged files are skipped. Credentials
    come from the standard AWS chain (environment, ~/.aws, instance role).

    \b
    Example:
      publisher publish s3://my-bucket/podcasts --endpoint-url https://s3.example.org
      publisher publish s3://my-bucket/podcasts --cors
    """
    from publisher.catalog.load import load_catalog
    from publisher.deliver.pings import ping_directories
    from publisher.deliver.s3 import allow_cross_origin, publish_folder
    from publisher.deliver.websub import feed_urls_to_ping, ping_hubs
    from publisher.output.lock import RunLock
    from publisher.state import State, state_path_for

    site = load_catalog(catalog).site
    state_path = state_path_for(catalog)
    with RunLock(state_path.parent):
        state = State(state_path)
        remembered = f"s3-digests:{destination}"
        digests = json.loads(state.meta(remembered) or "{}")
        try:
            report = publish_folder(
                out, destination, endpoint_url=endpoint_url, delete=delete, digests=digests
            )
        finally:  # digests of files read are true whatever the upload did
            if json.dumps(digests, sort_keys=True) != state.meta(remembered):
                state.set_meta(remembered, json.dumps(digests, sort_keys=True))
            state.close()
    if cors:
        allow_cross_origin(destination, endpoint_url)
    click.echo(
        f"publish: {len(report.uploaded)} uploaded, {len(report.skipped)} unchanged,"
        f" {len(report.deleted)} deleted"
    )
    changed = feed_urls_to_ping(site.base_url, report.uploaded)
    ping_hubs(site.hubs, changed)  # each logs its own problems; never fatal
    ping_directories(site.pings, changed)


def _register_editor_commands() -> None:
    from publisher.cli.editor import add_command, status_command, validate_command

    main.add_command(add_command, "add")
    main.add_command(validate_command, "validate")
    main.add_command(status_command, "status")


_register_editor_commands()


if __name__ == "__main__":
    main()
