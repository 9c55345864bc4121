"""The one way to wait: poll a probe until it says done or failed, bounded, with back-off.

    result = wait_until(lambda: Observation(done=ready(), phase="Deploying"), what="DaemonSet datadog",
                        timeout=300)
    if result.failed: ...                      # the probe saw a failure: the caller explains it

A probe returns an `Observation`: done, failed, and a phase and detail saying where things stand.
Polls start `interval` apart and back off to `max_interval` (default 5 intervals); the last sleep is
cut to the deadline.
Nothing is retried here but the polling: a probe that raises ends the wait with its error.
On timeout `WaitTimeout` (exit 18) names what was awaited, for how long, and the last phase and detail.
The clock and sleep are injectable, so tests time out without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Required, TypedDict

from ops.errors import BadInput, ExitCode, OpsError

if TYPE_CHECKING:
    import tenacity

DEFAULT_INTERVAL = 2.0
BACK_OFF_LIMIT = 5  # polls never get further apart than this many intervals


@dataclass(frozen=True)
class Observation:
    """What one probe saw: finished, failed (no point in waiting on), and where things stand."""

    done: bool
    failed: bool = False
    phase: str = ""
    detail: str = ""

    def __str__(self) -> str:
        return ": ".join(part for part in (self.phase, self.detail) if part) or "nothing observed"


@dataclass(frozen=True)
class Tick:
    """One poll, for a progress view: what is awaited, what was seen, seconds since the wait began."""

    what: str
    observation: Observation
    elapsed: float


@dataclass(frozen=True)
class WaitResult:
    what: str
    observation: Observation  # the last one: done or failed
    elapsed: float
    polls: int

    @property
    def done(self) -> bool:
        return self.observation.done

    @property
    def failed(self) -> bool:
        return self.observation.failed


class WaitTimeout(OpsError):
    """Still not done at the deadline: what, how long, and what is stuck (the last observation)."""

    exit_code = ExitCode.TIMEOUT

    def __init__(self, what: str, timeout: float, last: Observation, why: tuple[str, ...] = ()) -> None:
        explained = "".join(f"; {reason}" for reason in why)
        super().__init__(f"gave up waiting for {what} after {timeout:g} s: still {last}{explained}")
        self.what = what
        self.timeout = timeout
        self.last = last
        self.why = why

    def explained(self, *why: str) -> WaitTimeout:
        """The same timeout with more reasons (e.g. what a stuck pod says), for a caller that found them."""
        return WaitTimeout(self.what, self.timeout, self.last, self.why + tuple(w for w in why if w))


def check_timeout(seconds: float, flag: str = "--timeout") -> float:
    """A wait's bound as given on the command line: BadInput unless it is a number of seconds above 0."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0:
        raise BadInput(flag, seconds, "a number of seconds above 0")
    return float(seconds)


Probe = Callable[[], Observation]
Progress = Callable[[Tick], None]


class Pacing(TypedDict, total=False):
    """How a wait paces itself; every waiting function takes these as keywords and passes them on."""

    timeout: Required[float]
    interval: float
    max_interval: float | None
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    on_progress: Progress | None


def wait_until(
    probe: Probe,
    *,
    what: str,
    timeout: float,
    interval: float = DEFAULT_INTERVAL,
    max_interval: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Progress | None = None,
) -> WaitResult:
    """Call probe() until it is done or failed; WaitTimeout after `timeout` seconds of `clock`.

    The probe runs at least once, even with timeout 0 (so an already-finished thing is not a timeout).
    """
    import tenacity

    from ops import deadline as task_deadline

    start = clock()
    deadline = start + task_deadline.bound(timeout)  # the task's --timeout covers what ran before the wait
    seen: list[Observation] = []

    def poll() -> Observation:
        observation = probe()
        seen.append(observation)
        if on_progress is not None:
            on_progress(Tick(what, observation, clock() - start))
        return observation

    longest = interval * BACK_OFF_LIMIT if max_interval is None else max(interval, max_interval)
    backoff = tenacity.wait_exponential(multiplier=interval, min=interval, max=longest)

    def until_deadline(state: tenacity.RetryCallState) -> float:
        return max(0.0, min(backoff(state), deadline - clock()))

    def out_of_time(state: tenacity.RetryCallState) -> bool:
        return clock() >= deadline

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_result(lambda seen: not (seen.done or seen.failed)),
        stop=out_of_time,
        wait=until_deadline,
        sleep=sleep,
        retry_error_callback=_timed_out(what, timeout),
    )
    last = retrying(poll)
    return WaitResult(what, last, clock() - start, len(seen))


def _timed_out(what: str, timeout: float) -> Callable[[tenacity.RetryCallState], Observation]:
    def raise_timeout(state: tenacity.RetryCallState) -> Observation:
        outcome = state.outcome
        last = outcome.result() if outcome is not None else Observation(done=False)
        raise WaitTimeout(what, timeout, last)

    return raise_timeout
