"""The pipeline's commands: `build`, `check`, `serve` and `publish`.

Each parses its options, calls one library function and prints; `publisher.cli`
registers them on the main group. Each docstring is the command's --help, with an example."""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import sys
import threading

import click

from publisher.cli.options import catalog_option, out_option, private_option, reports_errors
from publisher.errors import ExitCode

STOP_GRACE = 1.5  # seconds a SIGTERMed run may take to unwind before it just exits


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so temp files are removed; exit 143 as shells expect.

    Unwinding takes a fraction of a second (downloads are cut, ffmpeg is killed). Should
    some step not end within STOP_GRACE, the process exits anyway: that is as safe as a
    kill, which a run survives at any moment (every file is replaced atomically, the
    kernel releases the lock, downloads resume)."""

    def handler(signum, frame):
        code = int(ExitCode.TERMINATED)
        backstop = threading.Timer(STOP_GRACE, _exit_now, args=(code, LATE))
        backstop.daemon = True
        backstop.start()
        # Once unwound, nothing is left to do: skip tearing down the interpreter, which
        # frees yt-dlp's ~1,800 extractor classes and takes most of a second.
        atexit.register(_exit_now, code)
        raise SystemExit(ExitCode.TERMINATED)

    signal.signal(signal.SIGTERM, handler)


LATE = "stopped: a step did not end in time; the next run finishes it"


def _exit_now(code: int, message: str = "") -> None:
    if message:
        sys.stderr.write(message + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@click.command()
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
@click.option(
    "--publish",
    "destination",
    metavar="s3://BUCKET/PREFIX",
    help="Then upload what was built, also when some talks are pending or failed.",
)
@click.option("--endpoint-url", help="With --publish: an S3-compatible endpoint.")
@click.option(
    "--delete", is_flag=True, help="With --publish: delete remote files no longer published."
)
@reports_errors
def build(
    catalog,
    out,
    offline,
    refresh,
    jobs,
    base_url,
    ffmpeg,
    allow_private_sources,
    quiet,
    destination,
    endpoint_url,
    delete,
):
    """Run the whole pipeline and publish the feeds, pages and media into OUT.

    Exits 0 when everything is published, 3 when some talks are pending or failed (the
    rest is published), 1 when the catalog is invalid (nothing is written), 75 when
    another run holds the lock. With --publish, what was built is then uploaded as
    `publisher publish` does, after a partial build too; the exit code stays the build's
    unless the upload fails.

    \b
    Example:
      publisher build --jobs 4
      publisher build --offline --base-url http://192.168.1.20:8000/
      publisher build --quiet --publish s3://my-bucket/podcasts   # from cron
    """
    from publisher.build import build as run_build
    from publisher.build.run import BuildOptions

    _stop_on_sigterm()
    if quiet:
        from publisher.build.runner import FAILURES_LOGGER

        logging.getLogger().setLevel(logging.ERROR)
        logging.getLogger("publisher").setLevel(logging.ERROR)
        # an entry's failure is told as news instead: when it starts, ends, once a day
        logging.getLogger(FAILURES_LOGGER).setLevel(logging.CRITICAL + 1)
    if base_url:
        _check_base_url(base_url)
    if destination:  # a wrong address is told before the build, not after it
        from publisher.deliver.s3 import parse_destination

        parse_destination(destination)
    options = BuildOptions(
        out=out,
        offline=offline,
        refresh=refresh,
        jobs=jobs,
        allow_private_sources=allow_private_sources,
        base_url=base_url,
        ffmpeg=ffmpeg,
        upload_follows=bool(destination),
    )
    if sys.stderr.isatty() and not quiet:
        from publisher.cli.progress import terminal_progress  # rich: only on a terminal

        with terminal_progress() as progress:
            report = run_build(catalog, options, progress)
    else:
        report = run_build(catalog, options)
    for news in report.news:  # without --quiet, each failure was logged as it happened
        if quiet or not news.error:
            click.echo(str(news), err=True)
    if not quiet:
        click.echo(report.summary())
        if report.written and not destination:  # a run with nothing new stays one line
            click.echo(where_to_look(out, base_url))
    if destination:
        from publisher.deliver.upload import Upload
        from publisher.deliver.upload import publish as upload

        where = Upload(destination, endpoint_url, delete)
        uploaded = upload(catalog, out, where, allow_private=allow_private_sources)
        if not quiet:
            click.echo(_publish_summary(uploaded))
    sys.exit(report.exit_code)


def where_to_look(out, base_url: str | None) -> str:
    """Where the feeds are, and the `serve` command that shows them to a podcast app:
    for a preview built for http://HOST:PORT/, the one that serves them there."""
    from pathlib import Path
    from urllib.parse import urlsplit

    options = [] if Path(out) == Path("feeds") else [f"--out {out}"]
    if base_url:
        parts = urlsplit(base_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1", None):
            options.append("--host 0.0.0.0")
        if parts.port:
            options.append(f"--port {parts.port}")
    serve = " ".join(["publisher serve", *options])
    return f"feeds: {out}/ (pages: {out}/index.html); to try them in a podcast app: {serve}"


def _check_base_url(url: str) -> None:
    from publisher.errors import ConfigurationError
    from publisher.output.urls import base_url_problem

    if problem := base_url_problem(url):
        raise ConfigurationError(f"--base-url {problem}")


@click.command()
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
    sys.exit(ExitCode.INVALID if errors else ExitCode.OK)


@click.command()
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


@click.command()
@click.argument("destination")
@out_option
@click.option("--endpoint-url", help="An S3-compatible endpoint (MinIO, R2, moto…).")
@click.option(
    "--delete",
    is_flag=True,
    help="Delete remote files this folder uploaded and no longer publishes (nothing else).",
)
@click.option(
    "--cors", is_flag=True, help="Let web players on any site read the bucket (GET and HEAD)."
)
@catalog_option
@private_option
@reports_errors
def publish(destination, out, endpoint_url, delete, cors, catalog, allow_private_sources):
    """Upload the published folder to S3-compatible storage.

    Media and pages first, feeds and OPML last; unchanged files are skipped. Credentials
    come from the standard AWS chain (environment, ~/.aws, instance role).

    \b
    Example:
      publisher publish s3://my-bucket/podcasts --endpoint-url https://s3.example.org
      publisher publish s3://my-bucket/podcasts --cors
    """
    from publisher.deliver.upload import Upload
    from publisher.deliver.upload import publish as upload

    where = Upload(destination, endpoint_url, delete, cors)
    report = upload(catalog, out, where, allow_private=allow_private_sources)
    click.echo(_publish_summary(report))


def _publish_summary(report) -> str:
    return (
        f"publish: {len(report.uploaded)} uploaded, {len(report.skipped)} unchanged,"
        f" {len(report.deleted)} deleted"
    )
