"""One-line messages for every error a user can cause: what happened — what to do.

The CLI's top-level handler calls `describe()` and prints the result instead of a
traceback (tracebacks only with --verbose). A `PublisherError` carries both halves (see
`publisher.errors`); what is formatted here is a catalog's list of problems and the
operating system's errors, which carry only an errno and a file name.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from publisher.errors import CatalogError, ExitCode, Problem, PublisherError

DASH = " — "


def describe(error: BaseException) -> str:
    """The message a person sees for `error`: one line (a catalog error adds its problems)."""
    for kind, render in RENDERERS:
        if isinstance(error, kind) and (text := render(error)):
            return text
    return internal(error)


def problem_line(problem: Problem) -> str:
    """file:line: field: message; hint — the form editors and pre-commit hooks read."""
    text = f"{problem.file}:{problem.line}: {problem.field}: {problem.message}"
    return f"{text}; {problem.hint}" if problem.hint else text


def catalog(error: CatalogError) -> str:
    count = len(error.problems)
    noun = "problem" if count == 1 else "problems"
    files = sorted({p.file for p in error.problems}) or ["the catalog"]
    head = (
        f"{', '.join(files)} has {count} {noun}{DASH}"
        f"fix {'it' if count == 1 else 'them'}; nothing was written"
    )
    return "\n".join([head, *map(problem_line, error.problems)])


def missing_ffmpeg(path: str | None = None) -> str:
    where = f" at {path}" if path else ""
    return (
        f"ffmpeg was not found{where}{DASH}install ffmpeg (e.g. apt install ffmpeg) and "
        "give its path with --ffmpeg, or reinstall imageio-ffmpeg (pip install imageio-ffmpeg)"
    )


def publisher_error(error: PublisherError) -> str:
    """What happened — what to do: the error's first line, and the advice it carries."""
    text = _first_line(error)
    return f"{text}{DASH}{error.advice}" if error.advice else text


def os_error(error: OSError) -> str:
    where = _path_of(error)
    if isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EPERM):
        return (
            f"no permission to write {where}{DASH}"
            "give this user write access to it, or choose another --out or --catalog"
        )
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        writing = f" (writing {error.filename})" if error.filename else ""
        return (
            f"the disk is full{writing}{DASH}"
            "free some space and run again; no file was left half-written"
        )
    if error.errno == errno.EROFS:
        return f"{where} is on a read-only file system{DASH}choose a writable --out"
    if error.errno == errno.ENOENT and "ffmpeg" in str(error.filename or ""):
        return missing_ffmpeg(str(error.filename))
    if error.errno == errno.ENOENT:
        return f"{where} does not exist{DASH}check the path"
    return f"{error.strerror or error} ({where}){DASH}check the path and run again"


def _path_of(error: OSError) -> str:
    return str(error.filename) if error.filename else "a file"


def internal(error: BaseException) -> str:
    return (
        f"internal error: {type(error).__name__}: {_first_line(error)}{DASH}"
        "run again with --verbose and report the traceback"
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


RENDERERS: list[tuple[type[BaseException], Callable[..., str]]] = [
    (CatalogError, catalog),
    (PublisherError, publisher_error),
    (OSError, os_error),
]


def exit_code(error: BaseException) -> int:
    """The exit code for an error that ends a command: 1 invalid input, 75 lock held."""
    return getattr(error, "exit_code", ExitCode.INVALID)
