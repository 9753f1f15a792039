"""No credential in what the publisher prints, `--verbose` included.

`--verbose` output goes into bug reports, and botocore's debug log writes every request's
Authorization header, its session token and the canonical request that carries it. The
filter sits on the logging handlers, so every library's records pass through it:
credential headers and query parameters are blanked by name, and the values of the
credentials themselves (the AWS chain's, given by `remember_secret`) wherever they appear.
"""

from __future__ import annotations

import logging
import os
import re
import threading

REDACTED = "[redacted]"

# Header and parameter names whose value is a credential, or proves one (a signature).
_NAMES = (
    r"authorization|proxy-authorization|x-amz-security-token|x-amz-credential|"
    r"x-amz-signature|cookie|set-cookie|aws_session_token|aws_secret_access_key|"
    r"awsaccesskeyid|signature"
)
_PATTERNS = (
    # 'Authorization': b'AWS4-HMAC-SHA256 Credential=…', "Cookie": "…" (a dict's repr)
    re.compile(rf"""(?i)(['"](?:{_NAMES})['"]\s*:\s*b?)(['"])(.*?)(\2)"""),
    # x-amz-security-token:VALUE, a header line of a canonical request or a dump
    re.compile(rf"(?im)^(\s*(?:{_NAMES})\s*:[ \t]*)(\S.*)$"),
    # ?X-Amz-Security-Token=…&X-Amz-Signature=… in a presigned URL
    re.compile(rf"(?i)\b((?:{_NAMES})=)([^&\s'\"]+)"),
)
# botocore logs the signature on the line after "Signature:"
_SIGNATURE_LINE = re.compile(r"(?m)^(Signature:)\n[0-9a-f]{64}$")
_ENVIRONMENT = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")

_secrets: set[str] = set()
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """A credential to blank wherever it would be printed (too short to be one: ignored)."""
    if value and len(value) >= 8:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """`text` without credentials."""
    for name in _ENVIRONMENT:
        remember_secret(os.environ.get(name))
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + _quoted(m), text)
    text = _SIGNATURE_LINE.sub(rf"\1\n{REDACTED}", text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def _quoted(match: re.Match) -> str:
    """The redacted value, keeping the quotes a dict's repr put around it."""
    groups = match.groups()
    return f"{groups[1]}{REDACTED}{groups[3]}" if len(groups) == 4 else REDACTED


class RedactCredentials(logging.Filter):
    """Rewrites each record's message (and traceback) without credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install() -> None:
    """Put the filter on every handler of the root logger (after basicConfig)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactCredentials) for f in handler.filters):
            handler.addFilter(RedactCredentials())
