"""Secrets never leave through logs, `invoke --debug` included.

`--debug` turns on DEBUG logging for every library: botocore then logs request parameters and
response bodies (a `GetSecretValue` answer holds the Datadog keys, a `PutSecretValue` request too)
and headers (a session token), and the kubernetes client logs every response body (the Argo CD
initial admin Secret among them). `install()` puts a log record factory in place that replaces such
records of those libraries with a line saying what was left out; every other debug line stays.
"""

from __future__ import annotations

import logging
import re
from typing import Any

LIBRARIES = ("botocore", "boto3", "s3transfer", "kubernetes", "urllib3", "sh")
# What a library's debug line carries when it may hold a secret: bodies, parameters, credentials.
SECRET_BEARING = (
    r"body|params|payload|secret|password|token|authorization|credential|x-amz-security|headers=|stdout|stderr"
)
REDACTED = "(left out: a request or response body, parameters or headers, which may hold secrets)"


def _secret_bearing(text: str) -> bool:
    return re.search(SECRET_BEARING, text, re.IGNORECASE) is not None  # compiled on first use, then cached by re


def _library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """The record, or a copy of its header without the message when it may carry a secret."""
    if not _library(record.name):
        return record
    try:
        text = record.getMessage()
    except Exception:  # a message that cannot even be formatted: say nothing of it
        text = "body"
    if _secret_bearing(text):
        first = text.split(None, 1)[0] if text.split() else ""
        record.msg = f"{first} {REDACTED}" if first.isalpha() and not _secret_bearing(first) else REDACTED
        record.args = None
        record.exc_info = None
        record.exc_text = None
    return record


def install() -> None:
    """Redact secret-bearing debug lines of the libraries, from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "_redacting", False):
        return

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact(factory(*args, **kwargs))

    make._redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make)
