"""The task's wall-clock deadline: `--timeout` bounds the whole task, not only its waits.

A task that takes `--timeout` starts it; every request to the API server (its retries included) and
every wait is then cut to what is left, and a task past its deadline stops with exit 18 saying what
it was doing. Process-wide (one task per process): `clear()` at the start of every task.

    deadline.start(300)
    deadline.bound(30.0)       # 30.0, or less when less is left
    deadline.check("list DatadogStack")   # TaskDeadline (exit 18) once it has passed
"""

from __future__ import annotations

import time

from ops.errors import ExitCode, OpsError

_state: dict[str, float] = {}
# Requests get this much beyond the deadline, so that a wait cut to the deadline can make its last
# look and end with its own message (what it waited for and where it stood), not a bare "timed out".
GRACE = 1.0


class TaskDeadline(OpsError):
    exit_code = ExitCode.TIMEOUT

    def __init__(self, what: str) -> None:
        seconds = _state.get("seconds", 0.0)
        super().__init__(f"gave up after --timeout {seconds:g} s: {what} had not finished")


def start(seconds: float) -> None:
    _state.update(seconds=float(seconds), end=time.monotonic() + float(seconds))


def clear() -> None:
    _state.clear()


def remaining() -> float | None:
    """Seconds left, or None when the task has no deadline."""
    end = _state.get("end")
    return None if end is None else end - time.monotonic()


def bound(seconds: float, grace: float = 0.0) -> float:
    """`seconds`, cut to what is left of the deadline (plus `grace`; never below 0)."""
    left = remaining()
    return seconds if left is None else max(0.0, min(seconds, left + grace))


def expired(grace: float = 0.0) -> bool:
    left = remaining()
    return left is not None and left + grace <= 0


def check(what: str) -> None:
    """TaskDeadline once the deadline (and the requests' grace) has passed."""
    if expired(GRACE):
        raise TaskDeadline(what)
