"""Turn ops errors into one line on stderr and the documented exit code, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from invoke.context import Context
from invoke.exceptions import Exit

from ops.errors import OpsError
from ops.render.safe_text import clean

if TYPE_CHECKING:
    from ops.config import Settings


@contextmanager
def reported_errors() -> Iterator[None]:
    try:
        yield
    except OpsError as err:
        raise Exit(f"error: {clean(err.message)}", code=int(err.exit_code)) from err


def settings_of(c: Context) -> Settings:
    """The settings, checked (the start of every task): also the process-wide request time-outs, and no
    task deadline yet (a task with --timeout starts one: `start_deadline`)."""
    from ops import deadline
    from ops.config import Settings
    from ops.kube.client import Timeouts, set_default_timeouts

    settings = Settings.from_config(c.config)
    deadline.clear()
    seconds = settings.request_timeout
    set_default_timeouts(Timeouts(connect=min(5.0, seconds), read=seconds, total=seconds))
    return settings


def start_deadline(timeout: float) -> None:
    """`--timeout` bounds the whole task from here: requests, retries and waits (exit 18 past it)."""
    from ops import deadline

    deadline.start(timeout)
