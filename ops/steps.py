"""Setup as data: a list of steps, each able to tell it is done already, run one after another.

    outcomes = run_steps(steps, on_event=view)   # StepFailed names the step; what finished is skipped next time

A step's `run` returns `Done(detail, skipped)`: skipped when it found its work already done (a plan with
no changes, objects unchanged, a context that answers), so re-running after a failure resumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ops.errors import ExitCode, OpsError


@dataclass(frozen=True)
class Done:
    detail: str
    skipped: bool = False  # the step found its work already done


@dataclass(frozen=True)
class Step:
    name: str  # stable: the task it stands for, e.g. "infra.apply"
    summary: str  # what it does, for the plan (--dry-run) and the step list
    run: Callable[[], Done]


@dataclass(frozen=True)
class StepEvent:
    """A step started (state "running") or ended ("done", "skipped", "failed"); later steps "not run"."""

    name: str
    state: str
    detail: str = ""
    seconds: float = 0.0


class StepFailed(OpsError):
    """A step failed: its name, the cause, and that running again resumes."""

    def __init__(self, task: str, step: str, cause: OpsError) -> None:
        super().__init__(
            f"{step} failed: {cause.message}; fix that and run `invoke {task}` again (finished steps are skipped)"
        )
        self.exit_code: ExitCode = cause.exit_code
        self.step = step
        self.cause = cause


def run_steps(
    task: str,
    steps: Sequence[Step],
    *,
    on_event: Callable[[StepEvent], None],
    clock: Callable[[], float] = time.monotonic,
) -> tuple[StepEvent, ...]:
    """Run the steps in order; stop at the first failure with StepFailed (the rest reported "not run")."""
    ended: list[StepEvent] = []
    for index, step in enumerate(steps):
        on_event(StepEvent(step.name, "running", step.summary))
        start = clock()
        try:
            done = step.run()
        except OpsError as err:
            failed = StepEvent(step.name, "failed", err.message, clock() - start)
            on_event(failed)
            for later in steps[index + 1 :]:
                on_event(StepEvent(later.name, "not run", later.summary))
            raise StepFailed(task, step.name, err) from err
        event = StepEvent(step.name, "skipped" if done.skipped else "done", done.detail, clock() - start)
        on_event(event)
        ended.append(event)
    return tuple(ended)
