"""How the lifecycle tasks report what they did: one line per module, object or secret, on stdout."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ops.tasks.wiring import say, show

if TYPE_CHECKING:
    from ops.kube.objects import Applied
    from ops.platform.infra import TofuResult
    from ops.render.console import Consoles

_TOFU_LINES = {
    "unchanged": "unchanged: the plan has no changes, nothing was applied",
    "dry run": "dry run: nothing was run",
}


def render_tofu(result: TofuResult, consoles: Consoles) -> None:
    line = f"{result.module}: {_TOFU_LINES.get(result.action, result.action)}"
    (say if result.action == "dry run" else show)(consoles, line)


def render_applied(applied: Iterable[Applied], consoles: Consoles, *, dry_run: bool) -> None:
    """`Kind namespace/name created|configured|unchanged`, one per line; then what it amounts to."""
    items = list(applied)
    for item in items:
        show(consoles, str(item))
    changed = sum(item.changed for item in items)
    if dry_run:
        say(consoles, f"dry run: {changed} to change, {len(items) - changed} unchanged; nothing was written")
    elif items and not changed:
        say(consoles, "nothing to do: every object is already as configured")
