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
    from ops.config import Settings

    return Settings.from_config(c.config)
