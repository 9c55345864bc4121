"""How a wait shows its progress: a live status line on a terminal, plain timestamped lines elsewhere.

    with wait_view(consoles) as on_progress:
        wait_until(probe, what="Promise datadog-stack", timeout=300, on_progress=on_progress)

On a terminal each phase reached stays on screen and a spinner line shows the latest detail.
Plain lines (CI, pipes) are printed only when the phase or the detail changes, so a long wait
does not flood a log; the elapsed seconds tell how long each state lasted.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ops.render.safe_text import clean
from ops.wait import Observation, Tick

if TYPE_CHECKING:
    from rich.console import Console

    from ops.render.console import Consoles


def _clock_time() -> str:
    return datetime.datetime.now().strftime("%H:%M:%S")


def tick_line(tick: Tick) -> str:
    return clean(f"{tick.what}: {tick.observation} ({tick.elapsed:.0f} s)")


class PlainProgress:
    """One line per change of phase or detail, each with the wall-clock time."""

    def __init__(self, console: Console, now: Callable[[], str] = _clock_time) -> None:
        self.console = console
        self.now = now
        self.last: tuple[str, Observation] | None = None

    def __call__(self, tick: Tick) -> None:
        key = (tick.what, Observation(done=False, phase=tick.observation.phase, detail=tick.observation.detail))
        if key == self.last:
            return
        self.last = key
        self.console.print(f"{self.now()} {tick_line(tick)}", markup=False, highlight=False, soft_wrap=True)


@contextmanager
def wait_view(consoles: Consoles, now: Callable[[], str] = _clock_time) -> Iterator[Callable[[Tick], None]]:
    """A progress callback for wait_until, drawn on the chatter console (stderr)."""
    console = consoles.err
    if not console.is_terminal:
        yield PlainProgress(console, now)
        return
    from rich.text import Text

    phases: list[str] = []
    with console.status("waiting...") as status:

        def update(tick: Tick) -> None:
            if not phases or phases[-1] != tick.observation.phase:  # keep each phase reached on screen
                phases.append(tick.observation.phase)
                console.print(f"{now()} {tick_line(tick)}", markup=False, highlight=False, soft_wrap=True)
            line = Text(tick_line(tick))
            line.truncate(max(console.width - 3, 20), overflow="ellipsis")  # one line beside the spinner
            status.update(line)

        yield update
