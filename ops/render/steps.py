"""The step list of `setup` and `teardown`: a line as each step starts and ends, then a summary table.

Steps stream what their programs print and show their waits in between, so the list is drawn as lines
(on a terminal with colour and symbols, elsewhere plain words) rather than one redrawn block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ops.steps import Step, StepEvent

if TYPE_CHECKING:
    from ops.render.console import Consoles

_MARK = {
    "running": ("▶", "[run] ", "bold"),
    "done": ("✓", "[done]", "green"),
    "skipped": ("↷", "[skip]", "cyan"),
    "failed": ("✗", "[FAIL]", "bold red"),
    "not run": ("·", "[----]", "dim"),
}


def plan_lines(task: str, steps: Sequence[Step]) -> list[str]:
    return [f"{task} would run, in order:", *(f"{i:2}. {s.name}: {s.summary}" for i, s in enumerate(steps, 1))]


class StepView:
    """on_event for run_steps: one line per start and end on stderr; `summary()` prints the table."""

    def __init__(self, consoles: Consoles) -> None:
        self.consoles = consoles
        self.ended: dict[str, StepEvent] = {}
        self.order: list[str] = []

    def __call__(self, event: StepEvent) -> None:
        from rich.text import Text

        if event.name not in self.order:
            self.order.append(event.name)
        if event.state != "running":
            self.ended[event.name] = event
        if event.state == "not run":
            return
        symbol, word, style = _MARK[event.state]
        took = f" ({event.seconds:.1f} s)" if event.state != "running" else ""
        line = f"{event.name}{took}: {event.detail}" if event.detail else f"{event.name}{took}"
        err = self.consoles.err
        if err.is_terminal:
            err.print(Text(f"{symbol} ", style=style) + Text(line), soft_wrap=True)
        else:
            err.print(f"{word} {line}", markup=False, highlight=False, soft_wrap=True)

    def summary(self) -> None:
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, pad_edge=False, show_edge=False)
        for column in ("STEP", "STATE", "TIME", "DETAIL"):
            table.add_column(column)
        for name in self.order:
            event = self.ended.get(name, StepEvent(name, "not run"))
            style = _MARK[event.state][2]
            time = f"{event.seconds:.1f}s" if event.state in {"done", "skipped", "failed"} else "-"
            table.add_row(name, Text(event.state, style=style), time, Text(event.detail))
        self.consoles.out.print(table)
