"""One place for output: data on stdout, chatter on stderr, no markup in text that came from outside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True)
class Consoles:
    out: Console  # data: tables, JSON, YAML
    err: Console  # progress, notes, warnings


def make_consoles(no_color: bool = False) -> Consoles:
    import sys

    from rich.console import Console

    # Piped or in CI: never cut a name to fit 80 columns.
    width = None if sys.stdout.isatty() else 250
    return Consoles(
        out=Console(highlight=False, no_color=no_color, soft_wrap=False, width=width),
        err=Console(stderr=True, highlight=False, no_color=no_color),
    )


def write_json(out: Console, data: object) -> None:
    """`data` as indented JSON on `out`, written as it is encoded: no copy of a large answer in one string."""
    import json

    json.dump(data, out.file, indent=2)
    out.file.write("\n")
