"""One place for output: data on stdout, chatter on stderr, no markup in text that came from outside."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    """`data` as indented JSON on `out`, written as it is encoded (no copy of a large answer in one string).

    A mapping of plain values (a status row, a finding's subject) is written on one line by the C
    encoder: thousands of rows cost milliseconds, where `json.dump(indent=2)` walks every value in Python.
    """
    write = out.file.write
    _emit(write, data, 0)
    write("\n")


def _plain(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _emit(write: Callable[[str], object], value: object, depth: int) -> None:
    import json

    if isinstance(value, dict) and value and not all(_plain(v) for v in value.values()):
        pairs: Iterable[tuple[str, object]] = ((json.dumps(str(k)) + ": ", v) for k, v in value.items())
        brackets = "{}"
    elif isinstance(value, (list, tuple)) and value:
        pairs = (("", v) for v in value)
        brackets = "[]"
    else:
        write(json.dumps(value))  # a plain value, an empty one, or a mapping of plain values: one line
        return
    pad = "\n" + "  " * (depth + 1)
    write(brackets[0])
    for index, (key, item) in enumerate(pairs):
        write(("," if index else "") + pad + key)
        _emit(write, item, depth + 1)
    write("\n" + "  " * depth + brackets[1])
