"""The editors' commands: `add`, `validate`, `status`, `doctor` and `formats`.

Thin click commands over `publisher.editor.add`, `publisher.catalog.load`,
`publisher.editor.status`, `publisher.editor.doctor` and `publisher.editor.formats`;
`publisher.cli` registers them on the main group. Each docstring is the command's
--help, with examples. Errors become one line from `publisher.messages` (a traceback
only with --verbose) and the contract's exit codes: 0 done, 1 invalid catalog or refused.
"""

from __future__ import annotations

import click

from publisher.cli.options import catalog_option, out_option, private_option, reports_errors


@click.command("add")
@click.argument("url")
@click.option("--series", metavar="ID", help="The series the entry belongs to (talks need one).")
@click.option(
    "--kind",
    type=click.Choice(["video", "article"]),
    default="video",
    show_default=True,
    help="A talk (video) or a written article.",
)
@click.option("--id", "entry_id", metavar="SLUG", help="The entry's id (default: from the title).")
@click.option("--title", help="The title to use instead of the page's.")
@click.option("--dry-run", is_flag=True, help="Show the entry and validate it; write nothing.")
@click.option(
    "--limit", type=click.IntRange(1), metavar="N", help="A playlist: add its first N new videos."
)
@catalog_option
@private_option
@reports_errors
def add_command(url, series, kind, entry_id, title, dry_run, limit, catalog, allow_private_sources):
    """Read URL's metadata and append a new entry to the catalog.

    For a talk (--kind video) the metadata comes from yt-dlp; for an article, from the
    page's JSON-LD, Open Graph and <meta> tags. The entry gets a slug id made from the
    title, the date, the authors and a summary; it is shown, validated with the whole
    catalog, and appended after the last entry. The rest of the file (comments, order,
    formatting) is left byte for byte as it was. A URL already in the catalog is refused
    with the id of the entry that has it. A playlist, channel or feed URL adds one entry
    per video the catalog does not have yet (the first N with --limit).

    \b
    Examples:
      publisher add https://www.youtube.com/watch?v=XXXXXXXXXXX --series russian-revolution-1917
      publisher add https://marxist.com/some-article.htm --kind article
      publisher add https://example.org/talk --series my-series --id my-talk --dry-run
      publisher add 'https://www.youtube.com/playlist?list=…' --series my-series --limit 5
    """
    from publisher.editor.add import AddRequest, add_url

    request = AddRequest(
        url=url,
        kind=kind,
        series=series,
        entry_id=entry_id,
        title=title,
        allow_private=allow_private_sources,
    )
    # add_url takes the catalog's lock itself: one add at a time
    proposals = add_url(catalog, request, dry_run=dry_run, limit=limit)
    for proposal in proposals:
        if proposal.appended is None:  # a playlist's video that could not be read
            click.echo("\n".join(f"note: {note}" for note in proposal.notes))
            continue
        click.echo(proposal.appended.entry_text.strip("\r\n"))
        for note in proposal.notes:
            click.echo(f"note: {note}")
        if dry_run:
            click.echo(f"dry run: {proposal.entry_id!r} is valid; {catalog} was not changed")
        else:
            click.echo(f"added {proposal.entry_id!r} to {catalog}:{proposal.appended.line}")
    if not proposals:
        click.echo(f"nothing to add: every video of {url} is in {catalog} already")


@click.command("validate")
@catalog_option
@reports_errors
def validate_command(catalog):
    """Validate the catalog without building anything.

    Prints every problem at once, as FILE:LINE: FIELD: what is wrong; a hint — and exits
    1 if there is any, 0 if the catalog is valid. Writes nothing; made for editors and
    for a pre-commit hook.

    \b
    Examples:
      publisher validate
      publisher validate --catalog drafts/media_catalog.yaml
    \b
    As a pre-commit hook (.pre-commit-config.yaml):
      - repo: local
        hooks:
          - {id: catalog, name: validate the catalog, entry: publisher validate,
             language: system, files: media_catalog.yaml, pass_filenames: false}
    """
    from publisher.catalog.load import load_catalog

    loaded = load_catalog(catalog)
    talks = sum(1 for entry in loaded.entries if entry.is_talk)
    click.echo(
        f"{catalog}: valid ({len(loaded.series)} series, {talks} talks, "
        f"{len(loaded.entries) - talks} articles)"
    )


@click.command("doctor")
@catalog_option
@click.option("--ffmpeg", envvar="PUBLISHER_FFMPEG", help="A system ffmpeg to check instead.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of checks instead.")
@reports_errors
def doctor_command(catalog, ffmpeg, as_json):
    """Check the toolchain a build needs, and say what to do about what is missing.

    One line each for Python, the publisher, yt-dlp (and its age), yt-dlp-ejs (YouTube's
    challenge solver, and whether yt-dlp accepts it), the JavaScript runtime, the solver
    solving a test challenge (a tiny player script, answers known in advance), a
    PO-token provider plugin and its server's version (optional), ffmpeg
    (aac, libmp3lame, loudnorm), the state database, the lock and the catalog. Exits 0
    when a build has everything it needs, 1 otherwise. Changes nothing. If builds fail,
    run this first.

    \b
    Examples:
      publisher doctor
      publisher doctor --json
    """
    import sys

    from publisher.editor.doctor import as_json as to_json
    from publisher.editor.doctor import diagnose, healthy

    checks = diagnose(catalog, ffmpeg)
    click.echo(to_json(checks) if as_json else "\n".join(check.line() for check in checks))
    sys.exit(0 if healthy(checks) else 1)


@click.command("formats")
@click.argument("source")
@click.option("--series", metavar="ID", help="The series whose outputs to choose for.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead.")
@catalog_option
@private_option
@reports_errors
def formats_command(source, series, as_json, catalog, allow_private_sources):
    """Show what a build would download from SOURCE for each output, and why.

    SOURCE is a talk's URL, read online through the same checked yt-dlp client builds
    use, or a saved yt-dlp info JSON file (yt-dlp -j URL > info.json), read offline. For
    each output of the series (--series; else an m4a audio and the video) it names the
    format yt-dlp's own selection takes, its codecs, height and audio language, why, and
    the `yt-dlp -f … -S …` that makes the same choice. The original-language audio is
    taken, never a dub, whatever the series' language. --json prints
    {"audio": {format_id, ext, acodec, vcodec, language, abr, …, why}, "video": {…,
    sound}}; "video" is null for a source without video (a build publishes its audio).
    A source that cannot be published (a live stream that has not ended, a playlist)
    exits 1 with the reason.

    \b
    Examples:
      publisher formats https://www.youtube.com/watch?v=XXXXXXXXXXX --series russian-revolution-1917
      publisher formats info.json --json
    """
    import json

    from publisher.editor.formats import FormatsRequest, explain_formats

    request = FormatsRequest(source, catalog, series, allow_private_sources)
    report = explain_formats(request)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(report.lines()))


@click.command("status")
@catalog_option
@out_option
@click.option("--series", metavar="ID", help="Only the entries of this series.")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(["published", "pending", "failed"]),
    help="Only entries in this state (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects instead.")
@reports_errors
def status_command(catalog, out, series, states, as_json):
    """Show every entry's state: published, pending or failed, and why.

    One line per entry: its state, its series, the duration, what is still pending (or
    the last error) and the published URL. Reads the catalog and the state database;
    writes nothing. --json prints a list of objects with the keys id, kind, series,
    state, title, duration, error, pending, reason and url.

    \b
    Examples:
      publisher status
      publisher status --state failed --state pending
      publisher status --series russian-revolution-1917 --json
    """
    from publisher.editor.status import as_json as to_json
    from publisher.editor.status import print_status, read_holds, read_status

    rows = read_status(catalog, series=series, states=tuple(states), out=out)
    if as_json:
        click.echo(to_json(rows))
    else:
        print_status(rows, holds=read_holds(catalog))
